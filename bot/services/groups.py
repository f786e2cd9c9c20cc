"""Class groups: quizzes as native quiz polls, one at a time per group, with results and a group board.

Poll answers carry no chat id: the poll id leads to the quiz and the question in the database, so
a restart loses nothing. Posting a poll is claimed first (a conditional UPDATE of the quiz's
position), so no poll is ever posted twice; a crash between the claim and the post skips that one
question and the quiz goes on with the next.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy.engine import Engine

from bot.engine.model import Question, Theme
from bot.engine.periods import Period, day_start, first_day
from bot.engine.polls import fits_poll
from bot.engine.selection import select_round
from bot.engine.shuffle import shuffle_options
from bot.engine.streak import local_day
from bot.services.classes import resolve_class
from bot.services.common import Identity, utc_now
from bot.services.errors import NoQuestions, NotAllowed, QuizRunning
from bot.services.reports import TOP, Board, board_row, ranked
from bot.services.views import QuestionView
from db import repo
from db.models import as_utc
from db.session import read_scope, session_scope

DEFAULT_SIZE, MAX_SIZE = 5, 20
OPEN_SECONDS = 30


@dataclass(frozen=True, slots=True)
class PollToPost:
    """The next question of a group quiz, to post as a quiz poll open for ``open_seconds``."""

    quiz_id: int
    chat_id: int
    view: QuestionView
    open_seconds: int


@dataclass(frozen=True, slots=True)
class GroupResults:
    """The end of a group quiz: the top answerers by right answers, then points (nicknames only)."""

    quiz_id: int
    chat_id: int
    asked: int
    rows: list[tuple[str, int, int]]  # (nickname, right, points)
    stopped: bool = False
    open_poll: int | None = None  # with ``stopped``: the message of the poll still open, to close it


class GroupService:
    """Group quiz use cases; every method is one unit of work."""

    def __init__(
        self,
        engine: Engine,
        questions: Sequence[Question],
        *,
        zone: tzinfo,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        self.engine = engine
        self.questions = [q for q in questions if fits_poll(q)]  # the others never go to a group
        self.by_id = {q.id: q for q in self.questions}
        self.zone = zone
        self.clock = clock
        self.rng = rng or random.Random()

    def joined(self, chat_id: int) -> None:
        """The bot was added to a group."""
        with session_scope(self.engine) as session:
            repo.upsert_group(session, chat_id=chat_id, active=True, now=self.clock())

    def left(self, chat_id: int) -> int | None:
        """The bot was removed: the running quiz there stops; returns its id."""
        with session_scope(self.engine) as session:
            repo.upsert_group(session, chat_id=chat_id, active=False, now=self.clock())
            running = repo.running_group_quiz(session, chat_id=chat_id)
            if running is not None and repo.end_group_quiz(
                session, quiz_id=running.id, status="stopped", now=self.clock()
            ):
                return running.id
            return None

    def start(
        self, who: Identity, chat_id: int, *, is_admin: bool, size: int = DEFAULT_SIZE, theme: Theme | None = None
    ) -> tuple[int, int]:
        """Start a quiz of up to ``size`` polls in the group; returns (its id, how many polls it has).

        Raises:
            NotAllowed: neither a group admin nor a teacher of the linked class.
            QuizRunning: the group has one running. NoQuestions: nothing fits.
        """
        size = max(1, min(size, MAX_SIZE))
        with session_scope(self.engine) as session:
            self._allowed(session, who, chat_id, is_admin=is_admin)
            repo.upsert_group(session, chat_id=chat_id, active=True, now=self.clock())
            chosen = select_round(self.questions, last_seen={}, rng=self.rng, size=size, theme=theme)
            if not chosen:
                raise NoQuestions(str(theme))
            pairs = [(q.id, shuffle_options(q, self.rng)) for q in chosen]
            quiz_id = repo.create_group_quiz(
                session,
                chat_id=chat_id,
                theme=theme.value if theme else None,
                questions=pairs,
                open_seconds=OPEN_SECONDS,
                now=self.clock(),
            )
            if quiz_id is None:
                raise QuizRunning(str(chat_id))
            return quiz_id, len(pairs)

    def next_poll(self, quiz_id: int) -> PollToPost | GroupResults | None:
        """The next poll to post (claimed: never posted twice), the results when all were asked, or None
        when it is not time yet (the current poll is open) or the quiz has ended."""
        now = self.clock()
        with session_scope(self.engine) as session:
            quiz = repo.get_group_quiz(session, quiz_id=quiz_id)
            if quiz is None or quiz.status != "running":
                return None
            if quiz.position >= quiz.size:
                closes = as_utc(quiz.poll_closes_at)
                if closes is not None and closes > now:
                    return None
                if repo.end_group_quiz(session, quiz_id=quiz_id, status="finished", now=now):
                    return self._results(session, quiz, quiz.size)
                return None
            for position in range(quiz.position, quiz.size):
                slot = repo.group_question(session, quiz_id=quiz_id, position=position)
                question = self.by_id.get(slot.question_id)
                # a question that left the bank (or no longer fits) closes at once: the quiz goes on
                closes_at = now + timedelta(seconds=quiz.open_seconds) if question else now
                if not repo.claim_next_poll(session, quiz_id=quiz_id, position=position, now=now, closes_at=closes_at):
                    return None
                if question is not None:
                    view = QuestionView(quiz_id, position, quiz.size, question, slot.shown_order)
                    return PollToPost(quiz_id, quiz.chat_id, view, quiz.open_seconds)
            if repo.end_group_quiz(session, quiz_id=quiz_id, status="finished", now=now):
                return self._results(session, quiz, quiz.size)
            return None

    def poll_posted(self, quiz_id: int, position: int, poll_id: str, message_id: int, open_seconds: int) -> None:
        """Remember the poll of a question; its open period runs from now, as Telegram's does."""
        closes_at = self.clock() + timedelta(seconds=open_seconds)
        with session_scope(self.engine) as session:
            repo.set_poll(
                session, quiz_id=quiz_id, position=position, poll_id=poll_id, message_id=message_id, closes_at=closes_at
            )

    def abort(self, quiz_id: int) -> None:
        """End a quiz whose first poll could not be posted (the bot may not send polls there)."""
        with session_scope(self.engine) as session:
            repo.end_group_quiz(session, quiz_id=quiz_id, status="stopped", now=self.clock())

    def stop(self, who: Identity, chat_id: int, *, is_admin: bool) -> GroupResults | None:
        """/stopquiz: end the running quiz and give its results so far; None when none runs.

        Raises:
            NotAllowed.
        """
        with session_scope(self.engine) as session:
            self._allowed(session, who, chat_id, is_admin=is_admin)
            quiz = repo.running_group_quiz(session, chat_id=chat_id)
            if quiz is None or not repo.end_group_quiz(session, quiz_id=quiz.id, status="stopped", now=self.clock()):
                return None
            results = self._results(session, quiz, quiz.position)
            open_poll = repo.open_poll_message(session, quiz_id=quiz.id, position=quiz.position - 1)
            return GroupResults(
                results.quiz_id, chat_id, results.asked, results.rows, stopped=True, open_poll=open_poll
            )

    def running(self) -> list[tuple[int, int, float]]:
        """(quiz id, chat id, seconds until its next poll may be posted) of every running quiz."""
        now = self.clock()
        with read_scope(self.engine) as session:
            found = []
            for quiz in repo.running_group_quizzes(session):
                closes = as_utc(quiz.poll_closes_at)
                found.append((quiz.id, quiz.chat_id, max(0.0, (closes - now).total_seconds()) if closes else 0.0))
            return found

    def link_class(self, who: Identity, chat_id: int, code: str) -> str:
        """/linkclass CODE in a group, by that class's teacher; returns the class name.

        Raises:
            NotAllowed (not a teacher), ClassNotFound (not their class).
        """
        with session_scope(self.engine) as session:
            cls = resolve_class(session, who, code)
            group = repo.get_group(session, chat_id=chat_id)
            if group is not None and group.class_id not in (None, cls.id):
                theirs = {c.id for c, _ in repo.teacher_classes(session, teacher_id=cls.teacher_id)}
                if group.class_id not in theirs:  # linked to another teacher's class: theirs to change
                    raise NotAllowed("linked to another teacher's class")
            repo.link_group(session, chat_id=chat_id, class_id=cls.id, now=self.clock())
            return cls.name

    def rank(self, chat_id: int, period: Period = Period.WEEK) -> Board:
        """The group's leaderboard: the linked class's, or of everyone who answered its quizzes."""
        today = local_day(self.clock(), self.zone)
        since = first_day(period, today)
        with read_scope(self.engine) as session:
            group = repo.get_group(session, chat_id=chat_id)
            if group is not None and group.class_id is not None:
                name = repo.class_name(session, class_id=group.class_id)
                rows = ranked(repo.class_standings(session, class_id=group.class_id, since=since))
            else:
                name = None
                start = day_start(since, self.zone).astimezone(UTC) if since else None
                rows = ranked(repo.group_scores(session, chat_id=chat_id, since=start))
        return Board(period, name, [board_row(i, s) for i, s in enumerate(rows[:TOP], 1)])

    def _allowed(self, session, who: Identity, chat_id: int, *, is_admin: bool) -> None:
        """A group admin (Telegram says so, the adapter asks) or a teacher of the group's linked class."""
        if is_admin:
            return
        group = repo.get_group(session, chat_id=chat_id)
        user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
        linked = group.class_id if group is not None else None
        if linked is not None and user is not None:
            mine = {cls.id for cls, _ in repo.teacher_classes(session, teacher_id=user.id)}
            if linked in mine:
                return
        raise NotAllowed("group admin or the class's teacher")

    def _results(self, session, quiz, asked: int) -> GroupResults:
        latest = datetime.max.replace(tzinfo=UTC)
        scores = sorted(
            repo.group_scores(session, quiz_id=quiz.id),
            key=lambda s: (-s.correct, -s.points, s.last_scored_at or latest, s.user_id),
        )
        return GroupResults(quiz.id, quiz.chat_id, asked, [(s.nickname, s.correct, s.points) for s in scores[:TOP]])
