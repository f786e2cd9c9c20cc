"""Spaced review of missed questions, scheduled with FSRS (the ``fsrs`` package).

A card's state is kept as the JSON that ``fsrs`` produces, so storage never depends on its classes.
A wrong answer brings the question back within minutes; right answers push it out to days, then
weeks.
"""

from __future__ import annotations

from datetime import datetime

from fsrs import Card, Rating, Scheduler

# No fuzzing: the same answers at the same times give the same schedule (tests rely on it).
_SCHEDULER = Scheduler(enable_fuzzing=False)
REVIEW_ROUND_SIZE = 10


def schedule_review(card_json: str | None, *, correct: bool, now: datetime) -> tuple[str, datetime]:
    """Review a card (``None``: a new one) at ``now``; returns the new card JSON and its due time.

    Args:
        card_json: The stored card, or ``None`` when the question has no card yet.
        correct: Whether the answer was right (rated Good) or wrong (rated Again).
        now: The aware time of the answer.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    card = Card.from_json(card_json) if card_json else Card(card_id=1, due=now)
    rating = Rating.Good if correct else Rating.Again
    reviewed, _log = _SCHEDULER.review_card(card, rating, review_datetime=now)
    return reviewed.to_json(), reviewed.due
