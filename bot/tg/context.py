"""The typed context handlers receive: services are attributes, not ``bot_data["x"]``."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import AccountService, Identity, QuizService
from db.session import POOL_SIZE

CHANNEL = "telegram"
P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class BotServices:
    """What the handlers call; set once when the application is built."""

    quiz: QuizService
    accounts: AccountService


class BotData:
    """``context.bot_data``: the services and the database threads (``build_application`` fills it)."""

    services: BotServices
    workers: ThreadPoolExecutor


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
