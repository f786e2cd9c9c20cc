"""Grading answers and awarding points."""

from __future__ import annotations

from bot.engine.model import Question

POINTS_BY_DIFFICULTY = {1: 10, 2: 15, 3: 20}


def normalize_letters(letters: str) -> str:
    """Return the distinct upper-case letters of ``letters``, sorted (``"ca"`` -> ``"AC"``)."""
    return "".join(sorted(set(letters.upper())))


def grade(question: Question, chosen: str) -> bool:
    """Tell whether ``chosen`` (original option letters) answers ``question``.

    Single-choice and judge questions are right when the one letter matches; multiple-choice
    questions only when the chosen set equals the answer set exactly (no partial credit).
    """
    return normalize_letters(chosen) == question.answer


def points_for(question: Question, *, correct: bool, earned_before: bool) -> int:
    """Points for one answer: 10/15/20 by difficulty, only the first time a user gets it right.

    Args:
        question: The question answered.
        correct: Whether the answer was right.
        earned_before: Whether this user already earned points for this question, so replaying
            rounds cannot farm points.
    """
    if not correct or earned_before:
        return 0
    return POINTS_BY_DIFFICULTY[question.difficulty]
