"""What a use case refuses; adapters turn each into a short message for the person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from db.session import DatabaseBusy as Busy  # noqa: F401  (the database stayed locked; nothing was changed)

if TYPE_CHECKING:
    from bot.services.views import QuestionView


class ServiceError(Exception):
    """Base class: the request changed nothing."""


class RoundNotFound(ServiceError):
    """No such round for this user (forged or foreign button)."""


class RoundClosed(ServiceError):
    """The round is finished or was replaced by a newer one."""


class AlreadyAnswered(ServiceError):
    """This question of the round has an answer already (double tap, re-delivered update).

    ``resend`` is the round's current question when the press looks like a student searching for
    it (the answer is older than a double tap), e.g. after sending the next question failed.
    """

    def __init__(self, message: str, *, resend: QuestionView | None = None) -> None:
        super().__init__(message)
        self.resend = resend


class InvalidChoice(ServiceError):
    """The chosen letters are not options of the question."""


class NoQuestions(ServiceError):
    """No question matches the chosen theme and grade band."""


class NothingToReview(ServiceError):
    """No missed question is due for review."""


class NicknameRejected(ServiceError):
    """The nickname breaks a rule; ``problem`` says which."""

    def __init__(self, problem: object) -> None:
        super().__init__(str(problem))
        self.problem = problem


class UnknownUser(ServiceError):
    """Nothing is stored about this user."""


class InvalidIdentity(ServiceError):
    """A user name or id that does not fit what is stored (too long, empty, or a rule broken)."""


class NotAllowed(ServiceError):
    """The user lacks the role (``admin`` or ``teacher``) the request needs."""


class ClassNotFound(ServiceError):
    """No such class of this teacher's (or the student is in no class); foreign classes look the same."""


class ChooseClass(ServiceError):
    """The teacher has several classes and named none; ``names`` lists them."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


class InvalidCode(ServiceError):
    """A teacher invite or class code that is wrong, used or expired (one answer for all)."""


class TooManyAttempts(ServiceError):
    """More than five wrong codes within an hour: codes are refused for an hour."""


class ClassClosed(ServiceError):
    """The class takes no new members."""


class NameRejected(ServiceError):
    """A class or roster name that is empty, too long (``limit``) or has control characters."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"1-{limit} characters")
        self.limit = limit


class ClassNameTaken(ServiceError):
    """The teacher already has a class of this name (names must tell their classes apart)."""


class BadDeadline(ServiceError):
    """An assignment deadline in the past."""


class QuizRunning(ServiceError):
    """The group has a quiz running already (one at a time)."""


class LinkInvalid(ServiceError):
    """A sign-in link that is unknown, used or expired."""
