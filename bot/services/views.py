"""Plain values the services hand to adapters for rendering."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.model import Grade, Question, Theme
from bot.engine.shuffle import shown_options, to_shown


@dataclass(frozen=True, slots=True)
class QuestionView:
    """A question as it is delivered at one position of a round."""

    round_id: int
    position: int  # 0-based
    total: int
    question: Question
    order: str  # original letters in shown order
    review: bool = False  # part of a spaced-review round (earns no points)

    @property
    def number(self) -> int:
        """1-based position for display."""
        return self.position + 1

    @property
    def options(self) -> list[tuple[str, str]]:
        """``[(shown letter, option text), ...]``."""
        return shown_options(self.question, self.order)

    @property
    def answer_shown(self) -> str:
        """The right answer in shown letters."""
        return to_shown(self.order, self.question.answer)


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    """The result of one answer."""

    view: QuestionView
    chosen_shown: str
    correct: bool
    points: int
    next_question: QuestionView | None  # None when the round is over
    summary: RoundSummary | None = None  # set when this answer finished the round

    @property
    def finished(self) -> bool:
        """True when this answer completed the round."""
        return self.next_question is None


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """The end of a round."""

    round_id: int
    answered: int
    correct: int
    total: int
    points_earned: int
    total_points: int
    streak: int
    weakest_theme: Theme | None  # the theme with most mistakes this round, None when none
    review: bool = False  # a spaced-review round


@dataclass(frozen=True, slots=True)
class UserStats:
    """A user's standing."""

    nickname: str
    total_points: int
    rounds: int
    streak: int
    accuracy: dict[Theme, tuple[int, int]]  # theme -> (right, answered)
    reviews_due: int = 0

    @property
    def answered(self) -> int:
        """All answers given."""
        return sum(total for _, total in self.accuracy.values())

    @property
    def correct(self) -> int:
        """All right answers."""
        return sum(right for right, _ in self.accuracy.values())


@dataclass(frozen=True, slots=True)
class Profile:
    """What a channel needs to know about a user."""

    nickname: str
    grade: Grade | None
    is_new: bool = False
    blocked: bool = False
