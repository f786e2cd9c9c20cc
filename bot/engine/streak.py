"""Daily streaks in the user's local time zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The calendar day of an aware ``moment`` as seen in ``zone``."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(zone).date()


def streak_length(days: Iterable[date], *, today: date) -> int:
    """Count consecutive days with at least one finished round, ending today or yesterday.

    A streak is still alive on a day the student has not played yet; it breaks once a whole day
    passes without a finished round.
    """
    played = set(days)
    cursor = today if today in played else today - timedelta(days=1)
    length = 0
    while cursor in played:
        length += 1
        cursor -= timedelta(days=1)
    return length
