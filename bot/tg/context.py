"""The typed context handlers receive: services are attributes, not ``bot_data["x"]``."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import ParamSpec, TypeVar

from sqlalchemy.engine import Engine
from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.engine.calendar import DEFAULT_QUIET, Entry, QuietHours
from bot.engine.model import Question
from bot.services import AccountService, Identity, QuizService
from bot.services.classes import ClassService
from bot.services.common import utc_now
from bot.services.groups import GroupService
from bot.services.reminders import ReminderService
from bot.services.reports import ReportService
from bot.services.weblogin import WebLoginService
from db.session import POOL_SIZE

CHANNEL = "telegram"
P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class BotServices:
    """What the handlers call; set once when the application is built."""

    quiz: QuizService
    accounts: AccountService
    classes: ClassService
    reports: ReportService
    reminders: ReminderService
    groups: GroupService
    logins: WebLoginService

    @classmethod
    def build(
        cls,
        engine: Engine,
        questions: Sequence[Question],
        *,
        zone: tzinfo,
        admins: frozenset[int] = frozenset(),
        calendar: Sequence[Entry] = (),
        quiet: QuietHours = DEFAULT_QUIET,
        clock: Callable[[], datetime] = utc_now,
        seed: int | None = None,
    ) -> BotServices:
        """Every service over one database (``seed`` makes rounds and codes repeatable, for tests)."""

        def rng(offset: int) -> random.Random | None:
            return None if seed is None else random.Random(seed + offset)

        return cls(
            quiz=QuizService(engine, questions, zone=zone, clock=clock, rng=rng(0)),
            accounts=AccountService(engine, clock=clock, rng=rng(1)),
            classes=ClassService(engine, admins=admins, clock=clock, rng=rng(2), codes=rng(3)),
            reports=ReportService(engine, questions, zone=zone, clock=clock),
            reminders=ReminderService(engine, calendar, zone=zone, quiet=quiet, clock=clock, rng=rng(4)),
            groups=GroupService(engine, questions, zone=zone, clock=clock, rng=rng(5)),
            logins=WebLoginService(engine, clock=clock),
        )


class BotData:
    """``context.bot_data``: the services and the database threads (``build_application`` fills it)."""

    services: BotServices
    workers: ThreadPoolExecutor
    web_url: str


def database_workers() -> ThreadPoolExecutor:
    """The bounded pool in which service calls run (as many threads as the engine has connections)."""
    return ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="jindu-db")


class BotContext(CallbackContext[ExtBot, dict, dict, BotData]):
    """The context of every handler."""

    @property
    def quiz(self) -> QuizService:
        """The quiz use cases."""
        return self.bot_data.services.quiz

    @property
    def accounts(self) -> AccountService:
        """The account use cases."""
        return self.bot_data.services.accounts

    @property
    def classes(self) -> ClassService:
        """Teachers and classes."""
        return self.bot_data.services.classes

    @property
    def groups(self) -> GroupService:
        """Quizzes of quiz polls in class groups."""
        return self.bot_data.services.groups

    @property
    def reminders(self) -> ReminderService:
        """Subscriptions, assignments and the reminder sender's work."""
        return self.bot_data.services.reminders

    @property
    def reports(self) -> ReportService:
        """Leaderboards, reports and exports."""
        return self.bot_data.services.reports

    async def run(self, method: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call a service method off the event loop: ``await context.run(context.quiz.answer, ...)``.

        A unit of work that waits for SQLite's write lock then holds up one worker thread, never
        the event loop and so never other users' updates.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.bot_data.workers, functools.partial(method, *args, **kwargs))


BotApplication = Application[ExtBot, BotContext, dict, dict, BotData, object]


def identity(update: Update) -> Identity:
    """Who sent the update, as the services know them."""
    user = update.effective_user
    if user is None:  # channel posts and the like carry no user; handlers only see user updates
        raise ValueError("update has no user")
    return Identity(CHANNEL, str(user.id))
