"""Use cases shared by every channel (terminal, Telegram, later web). No transport code here."""

from bot.services.accounts import AccountService
from bot.services.common import Identity
from bot.services.errors import (
    AlreadyAnswered,
    Busy,
    InvalidChoice,
    NicknameRejected,
    NoQuestions,
    NothingToReview,
    RoundClosed,
    RoundNotFound,
    ServiceError,
)
from bot.services.quiz import QuizService
from bot.services.views import AnswerOutcome, Profile, QuestionView, RoundSummary, UserStats

__all__ = [
    "AccountService",
    "AlreadyAnswered",
    "AnswerOutcome",
    "Busy",
    "Identity",
    "InvalidChoice",
    "NicknameRejected",
    "NoQuestions",
    "NothingToReview",
    "Profile",
    "QuestionView",
    "QuizService",
    "RoundClosed",
    "RoundNotFound",
    "RoundSummary",
    "ServiceError",
    "UserStats",
]
