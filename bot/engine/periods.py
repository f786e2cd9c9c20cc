"""Leaderboard periods and the codes and names of classes: pure functions of a date, a string or an rng."""

from __future__ import annotations

import random
import unicodedata
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum


class Period(StrEnum):
    """A leaderboard or report period: 今天 (the classroom screen), 本周 (from Monday), 本月, 全部."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    ALL = "all"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return {"day": "今天", "week": "本周", "month": "本月", "all": "全部"}[self.value]


def first_day(period: Period, today: date) -> date | None:
    """The first local day of ``period`` containing ``today`` (weeks start on Monday); None for all time."""
    if period is Period.DAY:
        return today
    if period is Period.WEEK:
        return today - timedelta(days=today.weekday())
    if period is Period.MONTH:
        return today.replace(day=1)
    return None


def day_start(day: date, zone: tzinfo) -> datetime:
    """00:00 of ``day`` in ``zone``, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=zone)


# Codes are read aloud in class and typed on phones: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8


def new_code(rng: random.Random, length: int = CODE_LENGTH) -> str:
    """A random code such as ``K7MPQ4XA`` (use ``random.SystemRandom`` outside tests)."""
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(length))


def clean_code(raw: str) -> str:
    """A code as typed (any case, spaces or dashes) in its stored form."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", raw).upper() if ch.isalnum())


ROSTER_MAX = 20
CLASS_NAME_MAX = 32


def clean_name(raw: str) -> str:
    """A roster or class name as stored: NFC, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def name_ok(name: str, limit: int) -> bool:
    """Whether ``name`` (cleaned) has 1..limit characters and no control or invisible characters."""
    return 0 < len(name) <= limit and not any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in name)


BOARD_PERIODS = (Period.WEEK, Period.MONTH, Period.ALL)  # the 本周 / 本月 / 全部 switches
