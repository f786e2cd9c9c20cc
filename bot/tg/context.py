"""The typed context handlers receive: services are attributes, not ``bot_data["x"]``."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import AccountService, Identity, QuizService

CHANNEL = "telegram"


@dataclass
class BotServices:
    """What the handlers call; set once when the application is built."""

    quiz: QuizService
    accounts: AccountService


class BotData:
    """``context.bot_data``: holds the services (PTB creates it empty, ``build_application`` fills it)."""

    services: BotServices


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


BotApplication = Application[ExtBot, BotContext, dict, dict, BotData, object]


def identity(update: Update) -> Identity:
    """Who sent the update, as the services know them."""
    user = update.effective_user
    if user is None:  # channel posts and the like carry no user; handlers only see user updates
        raise ValueError("update has no user")
    return Identity(CHANNEL, str(user.id))
