"""Choosing the questions of a round."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from bot.engine.model import Grade, Question, Theme

DEFAULT_ROUND_SIZE = 10
# Share of a round per difficulty: mostly easy and medium, a few hard ones.
DIFFICULTY_MIX = {1: 0.4, 2: 0.4, 3: 0.2}


def filter_questions(
    questions: Iterable[Question], *, theme: Theme | None = None, grade: Grade | None = None
) -> list[Question]:
    """Questions of one theme (``None``: all themes) written for one band (``None``: any band)."""
    return [q for q in questions if (theme is None or q.theme == theme) and (grade is None or grade in q.grades)]


def difficulty_quota(size: int) -> dict[int, int]:
    """How many questions of each difficulty a round of ``size`` aims for (sums to ``size``)."""
    quota = {level: int(size * share) for level, share in DIFFICULTY_MIX.items()}
    # Hand out what rounding left over, easiest first.
    level = 1
    while sum(quota.values()) < size:
        quota[level] += 1
        level = level % 3 + 1
    return quota


def select_round(
    questions: Sequence[Question],
    *,
    last_seen: Mapping[str, datetime],
    rng: random.Random,
    size: int = DEFAULT_ROUND_SIZE,
    theme: Theme | None = None,
    grade: Grade | None = None,
) -> list[Question]:
    """Pick the questions of a round.

    Questions the user has not seen come first (in random order), then the least recently seen.
    Within each of these tiers the round aims for a mix of difficulties (see ``DIFFICULTY_MIX``)
    and fills up from the same tier when one level runs short. A round never holds two questions
    of one fact group (``Question.group``: questions sharing a ``fact`` key ask the same fact), so
    a student is not asked one fact twice. The result is ordered easy to hard, and is the same for
    the same inputs and the same ``rng`` state.

    Args:
        questions: The whole bank (or any subset).
        last_seen: Question id -> when this user last saw it (aware datetimes).
        rng: The source of randomness; pass a seeded ``random.Random`` for a repeatable round.
        size: How many questions at most.
        theme: Restrict to one theme, or ``None`` for all.
        grade: Restrict to one grade band, or ``None`` for all.

    Returns:
        Up to ``size`` distinct questions of distinct fact groups; fewer only when the filter
        leaves fewer groups.
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    pool = filter_questions(questions, theme=theme, grade=grade)
    unseen = [q for q in pool if q.id not in last_seen]
    rng.shuffle(unseen)
    seen = [q for q in pool if q.id in last_seen]
    rng.shuffle(seen)  # random among equally old ones; the sort below is stable
    seen.sort(key=lambda q: last_seen[q.id])

    quota = difficulty_quota(size)
    chosen: list[Question] = []
    groups: set[str] = set()

    def take(q: Question) -> None:
        chosen.append(q)
        groups.add(q.group)

    for tier in (unseen, seen):
        rest = []
        for q in tier:
            if q.group in groups:
                continue
            if len(chosen) < size and quota[q.difficulty] > 0:
                quota[q.difficulty] -= 1
                take(q)
            else:
                rest.append(q)
        for q in rest:
            if len(chosen) >= size:
                break
            if q.group not in groups:
                take(q)
        if len(chosen) >= size:
            break
    position = {q.id: i for i, q in enumerate(chosen)}
    return sorted(chosen, key=lambda q: (q.difficulty, position[q.id]))
