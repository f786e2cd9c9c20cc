"""Reminders: the awareness calendar, class assignments, subscriptions, and what is due to whom.

Delivery guarantee, chosen on purpose: **at most once per (reminder, occurrence, user), and
nothing dropped silently.** Before a message is sent its row is inserted as ``sending`` (the
unique key refuses a second row, so two runs or two processes never both claim it); after the Bot
API answers, the row becomes ``sent``, ``blocked`` (403: never retried), ``retry`` (a 5xx or a
refused connection: nothing was delivered; tried again by a later run on the same day, outside the
quiet hours, at most ``MAX_ATTEMPTS`` times), ``unknown`` (a timeout: Telegram may have delivered
it) or ``failed``. A crash between the claim and the answer leaves ``sending``: that message is
not repeated (a child gets no double reminder), and the next start marks it ``unknown`` and logs
how many, so nothing vanishes unseen. Everything not yet claimed is picked up by the next run, and
claims are made in batches, so a crash costs at most the batch in flight. An assignment reminder
is skipped when the student finished in the meantime. At-least-once was the other choice; it
would repeat a message whenever a crash or a timeout fell after Telegram had delivered it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy.engine import Engine

from bot.engine.calendar import Entry, QuietHours, is_due, occurrences, send_time
from bot.engine.model import Theme
from bot.services.classes import resolve_class
from bot.services.common import Identity, ensure_user, utc_now
from bot.services.errors import BadDeadline
from db import repo
from db.models import as_utc
from db.session import session_scope

MAX_ATTEMPTS = 3
LEASE = "reminders"
ASSIGNMENT_REMINDER_AT = time(18, 0)  # the day before the deadline
MAX_ASSIGNMENT_SIZE = 20


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to send: ``kind`` is calendar | assignment | assignment-due."""

    key: str
    occurrence: date
    user_id: int
    chat_id: str
    kind: str
    text: str = ""  # calendar: the rendered text
    button: str | None = None  # calendar: daily | quiz
    assignment_id: int | None = None
    theme: Theme | None = None
    size: int = 0
    deadline: date | None = None


@dataclass(frozen=True, slots=True)
class Planned:
    """A calendar occurrence in a preview."""

    day: date
    at: time
    key: str
    audience: str
    text: str


@dataclass(frozen=True, slots=True)
class AssignmentInfo:
    """An assignment as its teacher created it."""

    id: int
    class_name: str
    theme: Theme | None
    size: int
    deadline: date


class ReminderService:
    """Reminder use cases; every method is one unit of work.

    Args:
        engine: The database engine.
        calendar: The entries of ``questions/calendar.yaml``.
        zone: People's time zone (dates, times and quiet hours are local).
        quiet: The quiet hours.
        clock: Returns the current aware time.
        rng: Randomness for the pseudonym of a user met for the first time.
    """

    def __init__(
        self,
        engine: Engine,
        calendar: Sequence[Entry],
        *,
        zone: tzinfo,
        quiet: QuietHours,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.rng = rng or random.Random()
        self.calendar = list(calendar)
        self.zone = zone
        self.quiet = quiet
        self.clock = clock

    def _local(self, now: datetime | None = None) -> datetime:
        return (now or self.clock()).astimezone(self.zone).replace(tzinfo=None)

    # -- students ----------------------------------------------------------------------------

    def set_subscribed(self, who: Identity, on: bool) -> None:
        """/remind on|off."""
        with session_scope(self.engine) as session:
            user, _ = ensure_user(session, who, now=self.clock(), rng=self.rng)
            repo.set_reminders(session, user_id=user.id, on=on)

    # -- teachers ----------------------------------------------------------------------------

    def assign(
        self, who: Identity, ref: str | None, *, size: int, theme: Theme | None, deadline: date
    ) -> AssignmentInfo:
        """Create a class assignment; its announcement goes out with the next run of the sender.

        Raises:
            NotAllowed, ClassNotFound, ChooseClass; BadDeadline (in the past); ValueError (size).
        """
        if not 1 <= size <= MAX_ASSIGNMENT_SIZE:
            raise ValueError(f"size must be 1-{MAX_ASSIGNMENT_SIZE}")
        if deadline < self._local().date():
            raise BadDeadline(str(deadline))
        with session_scope(self.engine) as session:
            cls = resolve_class(session, who, ref)
            made = repo.create_assignment(
                session,
                class_id=cls.id,
                theme=theme.value if theme else None,
                size=size,
                deadline=deadline,
                now=self.clock(),
            )
            return AssignmentInfo(made.id, cls.name, theme, size, deadline)

    # -- the sender --------------------------------------------------------------------------

    def take_lease(self, holder: str, *, seconds: int = 120) -> bool:
        """Whether ``holder`` may send now: one sender at a time across processes (a lease row)."""
        now = self.clock()
        with session_scope(self.engine) as session:
            return repo.take_lease(session, name=LEASE, holder=holder, now=now, until=now + timedelta(seconds=seconds))

    def recover(self, *, older_than: timedelta = timedelta(minutes=10)) -> int:
        """Deliveries a stopped process left "sending" become "unknown", and retries that ran out
        "failed"; returns how many were left "sending"."""
        now = self.clock()
        with session_scope(self.engine) as session:
            repo.give_up_retries(session, max_attempts=MAX_ATTEMPTS, today=self._local(now).date(), now=now)
            return repo.abandon_stale_sending(session, before=now - older_than)

    def claim_due(self, limit: int = 500, *, retries: bool = True) -> list[Outgoing]:
        """Up to ``limit`` messages due now, claimed for sending (so no other run sends them), retries first.

        The sender calls it again until it returns nothing: a crash then costs at most one batch in
        flight (left "sending", see the module's note), and the rest is claimed by the next run.
        """
        now = self.clock()
        local = self._local(now)
        today = local.date()
        plans: list[tuple[str, date, dict, list[int] | None]] = []
        with session_scope(self.engine) as session:
            for entry, day in occurrences(self.calendar, today, today):
                if is_due(entry.at, day, local, self.quiet):
                    users = repo.waiting_subscribers(session, key=entry.key, occurrence=day)
                    text = entry.render(day)
                    plans.append((entry.key, day, {"kind": "calendar", "text": text, "button": entry.button}, users))
            for assignment in repo.open_assignments(session, today=today):
                day = self._announce_day(as_utc(assignment.created_at))
                # as soon as it may go out; after downtime, still until the deadline (keyed on its first day)
                if day <= today and not self.quiet.contains(local.time()):
                    key = f"assign-{assignment.id}"
                    users = repo.waiting_subscribers(session, key=key, occurrence=day, class_id=assignment.class_id)
                    plans.append((key, day, _assignment_fields("assignment", assignment), users))
            for assignment in repo.assignments_between(
                session, first=today + timedelta(days=1), last=today + timedelta(days=1)
            ):
                if is_due(ASSIGNMENT_REMINDER_AT, today, local, self.quiet):
                    key = f"due-{assignment.id}"
                    users = repo.waiting_subscribers(
                        session, key=key, occurrence=today, class_id=assignment.class_id, unfinished=assignment.id
                    )
                    plans.append((key, today, _assignment_fields("assignment-due", assignment), users))
            claimed: list[tuple[str, date, dict, int]] = []
            waiting = []
            if retries and not self.quiet.contains(local.time()):  # today's only, never at night
                waiting = repo.claim_retries(session, now=now, today=today, max_attempts=MAX_ATTEMPTS, limit=limit)
            skipped = []
            for key, day, uid in waiting:
                fields = self._fields_for(session, key, day)
                finished = (
                    fields is not None
                    and fields["kind"] == "assignment-due"
                    and repo.finished_assignment(session, user_id=uid, assignment_id=fields["assignment_id"])
                )
                if fields is None or finished:  # nothing left to remind of
                    skipped.append((key, day, uid, "skipped"))
                else:
                    claimed.append((key, day, fields, uid))
            repo.mark_deliveries(session, results=skipped, now=now)
            for key, day, fields, users in plans:
                room = limit - len(claimed)
                if room <= 0:
                    break
                for uid in repo.claim_deliveries(session, key=key, occurrence=day, user_ids=users[:room], now=now):
                    claimed.append((key, day, fields, uid))
            chats = repo.chat_ids(session, user_ids=[uid for *_, uid in claimed])
        return [Outgoing(key, day, uid, chats[uid], **fields) for key, day, fields, uid in claimed if uid in chats]

    def record(self, results: Sequence[tuple[Outgoing, str]]) -> None:
        """Store how each message went: sent | blocked | retry | failed (a blocked user is marked)."""
        rows = [(item.key, item.occurrence, item.user_id, status) for item, status in results]
        with session_scope(self.engine) as session:
            repo.mark_deliveries(session, results=rows, now=self.clock())

    def preview(self, first: date, last: date) -> list[Planned]:
        """The calendar's reminders from ``first`` to ``last`` (local days), with their send times."""
        planned = []
        for entry, day in occurrences(self.calendar, first, last):
            audience = "subscribers"
            when = send_time(entry.at, day, self.quiet)
            if when is not None:
                planned.append(Planned(day, when.time(), entry.key, audience, entry.render(day)))
        return planned

    # -- helpers -----------------------------------------------------------------------------

    def _announce_day(self, created_at: datetime) -> date:
        """The local day an assignment is announced: that day, or the next when it came in the evening quiet."""
        local = self._local(created_at)
        if self.quiet.contains(local.time()) and local.time() >= self.quiet.start:
            return local.date() + timedelta(days=1)
        return local.date()

    def _fields_for(self, session, key: str, day: date) -> dict | None:
        """The message fields of a delivery being retried."""
        for entry in self.calendar:
            if entry.key == key:
                return {"kind": "calendar", "text": entry.render(day), "button": entry.button}
        kind, _, number = key.partition("-")
        if number.isdigit():
            assignment = repo.get_assignment(session, assignment_id=int(number))
            if assignment is not None:
                return _assignment_fields("assignment" if kind == "assign" else "assignment-due", assignment)
        return None


def _assignment_fields(kind: str, assignment) -> dict:
    return {
        "kind": kind,
        "assignment_id": assignment.id,
        "theme": Theme(assignment.theme) if assignment.theme else None,
        "size": assignment.size,
        "deadline": assignment.deadline,
    }
