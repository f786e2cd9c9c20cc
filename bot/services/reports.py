"""Leaderboards, class reports and exports: SQL sums over the small standings tables.

Students see nicknames only. Roster names appear only in what a class's own teacher asks for.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy.engine import Engine

from bot.engine.model import Question, Theme
from bot.engine.periods import Period, day_start, first_day
from bot.engine.streak import local_day
from bot.services.classes import resolve_class
from bot.services.common import Identity, utc_now, valid_key
from bot.services.errors import ClassNotFound, NotAllowed
from db import repo
from db.repo import Standing
from db.session import read_scope

TOP = 10
MOST_MISSED = 5
PASS, EXCELLENT = 0.60, 0.85


def ranked(rows: Sequence[Standing]) -> list[Standing]:
    """Most points first; ties: higher accuracy, then whoever got there first (earlier last score)."""
    never = datetime.max.replace(tzinfo=None)
    return sorted(
        rows,
        key=lambda s: (
            -s.points,
            -s.accuracy,
            (s.last_scored_at.replace(tzinfo=None) if s.last_scored_at else never),
            s.user_id,
        ),
    )


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of a leaderboard."""

    place: int
    nickname: str
    points: int
    accuracy: float
    rounds: int
    roster_name: str | None = None  # only on a teacher's board
    mine: bool = False
    user_id: int = 0  # for a teacher's links to a student's page


@dataclass(frozen=True, slots=True)
class Board:
    """A leaderboard: the top rows and the asker's own place when it is further down."""

    period: Period
    class_name: str | None  # None: everyone
    rows: list[BoardRow]
    me: BoardRow | None = None


@dataclass(frozen=True, slots=True)
class MissedQuestion:
    """A question the class often got wrong."""

    question: Question
    missed: int
    answered: int

    @property
    def share(self) -> float:
        """Share of the students who answered it that missed it."""
        return self.missed / self.answered


@dataclass(frozen=True, slots=True)
class AssignmentProgress:
    """Who finished a class assignment (roster names, as the teacher sees them)."""

    theme: Theme | None
    size: int
    deadline: date
    finished: list[str]


@dataclass(frozen=True, slots=True)
class ClassReport:
    """Participation, accuracy, pass and excellent rates, themes and the most-missed questions of a class."""

    class_name: str
    period: Period
    members: int
    participants: int
    average_accuracy: float | None
    pass_rate: float | None
    excellent_rate: float | None
    themes: dict[Theme, tuple[int, int]]  # theme -> (right, answered)
    most_missed: list[MissedQuestion]
    assignments: list[AssignmentProgress] = field(default_factory=list)  # due from a week ago on

    @property
    def participation(self) -> float:
        """Members with a finished round in the period / members."""
        return self.participants / self.members if self.members else 0.0


@dataclass(frozen=True, slots=True)
class StudentDetail:
    """One student of a class as their teacher sees them."""

    user_id: int
    nickname: str
    roster_name: str | None
    themes: dict[Theme, tuple[int, int]]
    rounds: list[tuple[datetime, int, int, int, Theme | None]]  # finished at, right, answered, points, theme


@dataclass(frozen=True, slots=True)
class ClassSummary:
    """A line of a teacher's class list."""

    name: str
    code: str
    members: int
    participation: float
    average_accuracy: float | None


EXPORT_HEADER = ["姓名", "昵称", "完成轮数", "答题数", "答对数", "正确率", "积分", "最近答题"]


class ReportService:
    """Leaderboards, reports and exports; every method is one read."""

    def __init__(
        self,
        engine: Engine,
        questions: Sequence[Question],
        *,
        zone: tzinfo,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.by_id = {q.id: q for q in questions}
        self.zone = zone
        self.clock = clock

    def _since(self, period: Period) -> date | None:
        return first_day(period, local_day(self.clock(), self.zone))

    def rank(self, who: Identity, period: Period) -> Board:
        """A student's leaderboard: their class's top 10 (nicknames only), or everyone's outside a class."""
        since = self._since(period)
        with read_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            membership = repo.get_membership(session, user_id=user.id) if user else None
            if membership is not None:
                cls = membership[1]
                order = ranked(repo.class_standings(session, class_id=cls.id, since=since))
                rows = [board_row(i, s, mine=user is not None and s.user_id == user.id) for i, s in enumerate(order, 1)]
                me = next((r for r in rows[TOP:] if r.mine), None)
                return Board(period, cls.name, rows[:TOP], me)
            order = ranked(repo.overall_top(session, since=since, limit=TOP))[:TOP]
            rows = [board_row(i, s, mine=user is not None and s.user_id == user.id) for i, s in enumerate(order, 1)]
            me = None
            if user is not None and not any(r.mine for r in rows):
                points = repo.points_since(session, user_id=user.id, since=since)
                if points > 0:
                    place = repo.count_ahead(session, points=points, since=since) + 1
                    me = BoardRow(place, user.nickname, points, 0.0, 0, mine=True)
            return Board(period, None, rows, me)

    def overall(self, period: Period) -> Board:
        """Everyone's top 10 of the period (nicknames only)."""
        with read_scope(self.engine) as session:
            order = ranked(repo.overall_top(session, since=self._since(period), limit=TOP))[:TOP]
        return Board(period, None, [board_row(i, s) for i, s in enumerate(order, 1)])

    def leaderboard(self, who: Identity | None, ref: str | None, period: Period) -> Board:
        """A teacher's class ranking with roster names (``who`` None: the command line, ``ref`` a code).

        Raises:
            NotAllowed, ClassNotFound, ChooseClass.
        """
        since = self._since(period)
        with read_scope(self.engine) as session:
            cls = resolve_class(session, who, ref)
            order = ranked(repo.class_standings(session, class_id=cls.id, since=since))
            return Board(period, cls.name, [board_row(i, s, roster=True) for i, s in enumerate(order, 1)])

    def report(self, who: Identity | None, ref: str | None, period: Period) -> ClassReport:
        """The class report of the issue: participation, accuracy, rates, themes, most-missed questions.

        Raises:
            NotAllowed, ClassNotFound, ChooseClass.
        """
        since = self._since(period)
        start = day_start(since, self.zone).astimezone(UTC) if since else None  # SQLite compares UTC text
        with read_scope(self.engine) as session:
            cls = resolve_class(session, who, ref)
            standings = repo.class_standings(session, class_id=cls.id, since=since)
            themes = repo.class_theme_accuracy(session, class_id=cls.id, since=start)
            missed = repo.class_most_missed(session, class_id=cls.id, since=start, limit=MOST_MISSED * 2)
            today = local_day(self.clock(), self.zone)
            tasks = repo.class_assignments(session, class_id=cls.id, since=today - timedelta(days=7))
        taking_part = [s for s in standings if s.rounds > 0]
        scored = [s.accuracy for s in taking_part if s.answered]
        return ClassReport(
            class_name=cls.name,
            period=period,
            members=len(standings),
            participants=len(taking_part),
            average_accuracy=sum(scored) / len(scored) if scored else None,
            pass_rate=sum(a >= PASS for a in scored) / len(scored) if scored else None,
            excellent_rate=sum(a >= EXCELLENT for a in scored) / len(scored) if scored else None,
            themes={Theme(t): v for t, v in themes.items() if t in Theme._value2member_map_},
            most_missed=[MissedQuestion(self.by_id[q], m, n) for q, m, n in missed if q in self.by_id][:MOST_MISSED],
            assignments=[
                AssignmentProgress(Theme(a.theme) if a.theme else None, a.size, a.deadline, names) for a, names in tasks
            ],
        )

    def summaries(self, who: Identity) -> list[ClassSummary]:
        """The teacher's classes with members, this week's participation and average accuracy.

        Raises:
            NotAllowed.
        """
        with read_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            if user is None or not repo.is_teacher(session, user_id=user.id):
                raise NotAllowed("teacher")
            classes = [cls for cls, _ in repo.teacher_classes(session, teacher_id=user.id)]
        summaries = []
        for cls in classes:
            report = self.report(who, cls.code, Period.WEEK)
            summaries.append(
                ClassSummary(cls.name, cls.code, report.members, report.participation, report.average_accuracy)
            )
        return summaries

    def student(self, who: Identity | None, ref: str | None, user_id: int) -> StudentDetail:
        """A member's accuracy per theme and last rounds, for their class's teacher.

        Raises:
            NotAllowed, ClassNotFound (also when the student is not in this class).
        """
        if not valid_key(user_id):
            raise ClassNotFound(str(user_id))
        with read_scope(self.engine) as session:
            cls = resolve_class(session, who, ref)
            found = repo.get_membership(session, user_id=user_id)
            if found is None or found[1].id != cls.id:
                raise ClassNotFound(str(user_id))
            user = repo.get_user(session, user_id=user_id)
            themes = repo.accuracy_by_theme(session, user_id=user_id)
            rounds = repo.student_rounds(session, user_id=user_id, limit=10)
        return StudentDetail(
            user_id,
            user.nickname,
            found[0].roster_name,
            {Theme(t): v for t, v in themes.items() if t in Theme._value2member_map_},
            [(at, right, n, points, Theme(theme) if theme else None) for at, right, n, points, theme in rounds],
        )

    def export_csv(self, who: Identity | None, ref: str | None) -> tuple[str, bytes]:
        """(class name, CSV bytes): one row per student, UTF-8 with BOM for Excel and WPS.

        Raises:
            NotAllowed, ClassNotFound, ChooseClass.
        """
        with read_scope(self.engine) as session:
            cls = resolve_class(session, who, ref)
            order = ranked(repo.class_standings(session, class_id=cls.id, since=None))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(EXPORT_HEADER)
        for s in order:
            last = s.last_active_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if s.last_active_at else ""
            accuracy = f"{100 * s.accuracy:.1f}%" if s.answered else ""
            writer.writerow(
                [
                    _cell(s.roster_name or ""),
                    _cell(s.nickname),
                    s.rounds,
                    s.answered,
                    s.correct,
                    accuracy,
                    s.points,
                    last,
                ]
            )
        return cls.name, ("\ufeff" + out.getvalue()).encode("utf-8")


def board_row(place: int, s: Standing, *, mine: bool = False, roster: bool = False) -> BoardRow:
    return BoardRow(
        place, s.nickname, s.points, s.accuracy, s.rounds, s.roster_name if roster else None, mine, s.user_id
    )


def _cell(text: str) -> str:
    """A name as a spreadsheet cell: a leading = + - @ would make Excel or WPS read a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
