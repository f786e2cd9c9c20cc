"""Use cases shared by every channel (terminal, Telegram, later web). No transport code here."""

from bot.services.errors import (
    AlreadyAnswered,
    InvalidChoice,
    NoQuestions,
    RoundClosed,
    RoundNotFound,
    ServiceError,
)
from bot.services.quiz import Identity, QuizService
from bot.services.views import AnswerOutcome, QuestionView, RoundSummary, UserStats

__all__ = [
    "AlreadyAnswered",
    "AnswerOutcome",
    "Identity",
    "InvalidChoice",
    "NoQuestions",
    "QuestionView",
    "QuizService",
    "RoundClosed",
    "RoundNotFound",
    "RoundSummary",
    "ServiceError",
    "UserStats",
]
