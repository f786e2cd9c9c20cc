"""The awareness calendar: when a reminder falls due, pure functions of a date and a time.

Rules (as written in ``questions/calendar.yaml``):
``date MM-DD`` (every year), ``nth N WEEKDAY of MONTH`` (N = 1..4, or -1 for the last),
``daily MM-DD..MM-DD`` and ``weekly WEEKDAY MM-DD..MM-DD`` (windows inside one year).
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Rule:
    """When an entry occurs; ``kind`` is date | nth | daily | weekly."""

    kind: str
    month: int = 0
    day: int = 0
    n: int = 0  # nth: 1..4, or -1 for the last
    weekday: int = 0  # 0 = Monday
    start: tuple[int, int] = (1, 1)  # daily/weekly window, (month, day), inclusive
    end: tuple[int, int] = (12, 31)

    def occurs_on(self, day: date) -> bool:
        """Whether the rule falls on ``day``."""
        if self.kind == "date":
            return (day.month, day.day) == (self.month, self.day)
        if self.kind == "nth":
            return day.month == self.month and day == nth_weekday(day.year, self.month, self.weekday, self.n)
        inside = self.start <= (day.month, day.day) <= self.end
        if self.kind == "daily":
            return inside
        return inside and day.weekday() == self.weekday  # weekly


@dataclass(frozen=True, slots=True)
class Entry:
    """A reminder of the calendar: ``text`` may hold ``{edition}`` (counted from ``first_year`` = 1st)."""

    key: str
    rule: Rule
    at: time
    text: str
    button: str | None = None  # daily (今日一题) | quiz (theme picker) | None
    first_year: int | None = None

    def render(self, day: date) -> str:
        """The text for the occurrence on ``day``."""
        edition = day.year - self.first_year + 1 if self.first_year else ""
        return self.text.format(edition=edition, year=day.year)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1..5, or -1 for the last) ``weekday`` (0 = Monday) of a month."""
    days = [date(year, month, d) for d in range(1, _calendar.monthrange(year, month)[1] + 1)]
    matching = [d for d in days if d.weekday() == weekday]
    return matching[n - 1] if n > 0 else matching[n]


def occurrences(entries: list[Entry], first: date, last: date) -> list[tuple[Entry, date]]:
    """Every (entry, day) from ``first`` to ``last`` inclusive, by day then time."""
    found = []
    day = first
    while day <= last:
        found += [(e, day) for e in entries if e.rule.occurs_on(day)]
        day += timedelta(days=1)
    return sorted(found, key=lambda item: (item[1], item[0].at, item[0].key))


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A nightly window without reminders, e.g. 21:00-07:30 (it may cross midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """``"21:00-07:30"``; raises ValueError naming what is wrong."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError as exc:
            raise ValueError(f"quiet hours must look like 21:00-07:30, got {text!r}") from exc
        return cls(start, end)

    def contains(self, moment: time) -> bool:
        """Whether ``moment`` is inside the quiet window."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


def send_time(at: time, day: date, quiet: QuietHours) -> datetime | None:
    """When a reminder due at ``at`` on ``day`` may go out (naive local): at once, after the quiet
    hours if it falls inside them and they end the same day, else never (dropped)."""
    if not quiet.contains(at):
        return datetime.combine(day, at)
    if quiet.end > at:  # the morning part of the window: it ends later the same day
        return datetime.combine(day, quiet.end)
    return None


def is_due(at: time, day: date, now: datetime, quiet: QuietHours) -> bool:
    """Whether a reminder of ``day`` at ``at`` should be sent at ``now`` (naive local time).

    It is due from its send time until the quiet hours begin that evening, on that day only: a bot
    that was down at the time still sends it later the same day, once, and nothing older.
    """
    if now.date() != day or quiet.contains(time(now.hour, now.minute, now.second)):
        return False
    when = send_time(at, day, quiet)
    return when is not None and when <= now


DEFAULT_QUIET = QuietHours(time(21), time(7, 30))  # JINDU_QUIET_HOURS' default
