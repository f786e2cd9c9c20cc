"""The quiz use cases: start a round, deliver its questions, take answers, sum up."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.engine.grading import grade, points_for
from bot.engine.model import LETTERS, THEMES, Grade, Kind, Question, Theme
from bot.engine.review import REVIEW_ROUND_SIZE, schedule_review
from bot.engine.selection import DEFAULT_ROUND_SIZE, select_round
from bot.engine.shuffle import shuffle_options, to_original
from bot.engine.streak import local_day, streak_length
from bot.services.common import Identity, ensure_user, utc_now, valid_key
from bot.services.errors import (
    AlreadyAnswered,
    InvalidChoice,
    NoQuestions,
    NothingToReview,
    RoundClosed,
    RoundNotFound,
)
from bot.services.views import AnswerOutcome, QuestionView, RoundSummary, UserStats
from db import repo
from db.models import Answer, Round, User, as_utc
from db.session import read_scope, session_scope

# A second press on an answered question within this time is a double tap (the first is being shown);
# a later one means the student is looking for their question (for instance sending it failed).
DOUBLE_TAP = timedelta(seconds=5)
# A group quiz vote handled this long after its poll closed still counts (it was cast in time).
POLL_GRACE = timedelta(seconds=10)


class QuizService:
    """Quiz use cases over one database; every method is one unit of work.

    Args:
        engine: The database engine.
        questions: The validated bank.
        zone: The time zone people live in (days, streaks).
        clock: Returns the current aware time; replace it in tests.
        rng: Randomness for selection, shuffling and pseudonyms; seed it for repeatable rounds.
    """

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
        self.questions = list(questions)
        self.by_id = {q.id: q for q in self.questions}
        self.zone = zone
        self.clock = clock
        self.rng = rng or random.Random()

    # -- users -------------------------------------------------------------------------------

    def _user(self, session: Session, who: Identity) -> User:
        return ensure_user(session, who, now=self.clock(), rng=self.rng)[0]

    # -- rounds ------------------------------------------------------------------------------

    def start_round(
        self,
        who: Identity,
        *,
        theme: Theme | None = None,
        grade: Grade | None = None,
        size: int = DEFAULT_ROUND_SIZE,
    ) -> QuestionView:
        """Start a new round (any unfinished one is abandoned) and return its first question.

        Raises:
            NoQuestions: when no question matches ``theme`` and ``grade``.
        """
        with session_scope(self.engine) as session:
            user = self._user(session, who)
            if grade is None and user.grade:
                grade = Grade(user.grade)
            chosen = select_round(
                self.questions,
                last_seen=repo.last_seen(session, user_id=user.id),
                rng=self.rng,
                size=size,
                theme=theme,
                grade=grade,
            )
            if not chosen:
                raise NoQuestions(f"no questions for theme={theme} grade={grade}")
            return self._open_round(session, user, chosen, theme=theme, grade=grade, mode="quiz")

    def start_assignment(self, who: Identity, assignment_id: int) -> QuestionView:
        """Start the round of a class assignment (its theme and size) for one of the class's members.

        Raises:
            RoundNotFound: no such assignment, or the student is not in its class.
            NoQuestions: nothing matches its theme.
        """
        if not valid_key(assignment_id):
            raise RoundNotFound(str(assignment_id))
        with session_scope(self.engine) as session:
            user = self._user(session, who)
            assignment = repo.get_assignment(session, assignment_id=assignment_id)
            membership = repo.get_membership(session, user_id=user.id)
            if assignment is None or membership is None or membership[0].class_id != assignment.class_id:
                raise RoundNotFound(f"assignment {assignment_id}")
            theme = Theme(assignment.theme) if assignment.theme else None
            grade = Grade(user.grade) if user.grade else None
            last_seen = repo.last_seen(session, user_id=user.id)
            chosen = select_round(
                self.questions, last_seen=last_seen, rng=self.rng, size=assignment.size, theme=theme, grade=grade
            )
            if not chosen:
                raise NoQuestions(f"no questions for assignment {assignment_id}")
            return self._open_round(
                session, user, chosen, theme=theme, grade=grade, mode="quiz", assignment_id=assignment_id
            )

    def start_review(self, who: Identity, *, size: int = REVIEW_ROUND_SIZE) -> QuestionView:
        """Start a review round of the user's due missed questions (earns no points).

        Raises:
            NothingToReview: when no review is due.
        """
        with session_scope(self.engine) as session:
            user = self._user(session, who)
            due = repo.due_review_ids(session, user_id=user.id, now=self.clock(), limit=size * 2)
            chosen = [self.by_id[qid] for qid in due if qid in self.by_id][:size]
            if not chosen:
                raise NothingToReview(who.external_id)
            return self._open_round(session, user, chosen, theme=None, grade=None, mode="review")

    def active_question(self, who: Identity) -> QuestionView | None:
        """The next unanswered question of the user's unfinished round, if there is one."""
        with read_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            round_ = repo.latest_active_round(session, user_id=user.id) if user else None
            if round_ is None:
                return None
            state = repo.round_state(session, round_id=round_.id, channel=who.channel, external_id=who.external_id)
            return self._next_of(state) if state else None

    def current_question(self, who: Identity, round_id: int) -> QuestionView:
        """The first unanswered question of an active round of this user.

        Raises:
            RoundNotFound, RoundClosed.
        """
        if not valid_key(round_id):
            raise RoundNotFound(str(round_id))
        with read_scope(self.engine) as session:
            state = repo.round_state(session, round_id=round_id, channel=who.channel, external_id=who.external_id)
            if state is None:
                raise RoundNotFound(str(round_id))
            view = self._next_of(state) if state.status == "active" else None
            if view is None:
                raise RoundClosed(str(round_id))
            return view

    def answer(self, who: Identity, round_id: int, position: int, shown: str) -> AnswerOutcome:
        """Grade and store the answer ``shown`` (letters as displayed) at ``position`` of a round.

        Exactly once: a second answer for the same position raises ``AlreadyAnswered`` and
        changes nothing; the (round, position) key decides, also between processes. The round
        finishes with its last answer. This is the hot path of a classroom: a handful of Core
        statements in one transaction (round and positions in one query, then the inserts).

        Raises:
            RoundNotFound, RoundClosed, AlreadyAnswered, InvalidChoice.
        """
        if not valid_key(round_id):
            raise RoundNotFound(str(round_id))
        with session_scope(self.engine) as session:
            state = repo.round_state(
                session, round_id=round_id, channel=who.channel, external_id=who.external_id, lock=True
            )
            if state is None:
                raise RoundNotFound(str(round_id))
            if not 0 <= position < len(state.slots):
                raise RoundNotFound(f"round {round_id} has no position {position}")
            slot = state.slots[position]
            if slot.answered:
                raise AlreadyAnswered(f"round {round_id} position {position}", resend=self._resend(state, slot))
            if state.status != "active":
                raise RoundClosed(str(round_id))
            question = self.by_id.get(slot.question_id)
            if question is None:  # the question left the bank after the round began
                raise RoundClosed(f"question {slot.question_id} is no longer in the bank")
            chosen = self._chosen(question, slot.shown_order, shown)
            review_round = state.mode == "review"
            now = self.clock()
            next_view = self._next_of(state, answered={position})
            points, correct = self._store(
                session,
                user_id=state.user_id,
                round_id=round_id,
                position=position,
                question=question,
                chosen=chosen,
                review=review_round,
                finishes_round=next_view is None,
                now=now,
            )
            view = QuestionView(round_id, position, len(state.slots), question, slot.shown_order, review=review_round)
            summary = None
            if next_view is None:
                repo.finish_round(session, round_id=round_id, now=now)
                summary = self._summary(session, repo.get_round(session, round_id=round_id))
            return AnswerOutcome(
                view=view,
                chosen_shown="".join(sorted(set(shown.upper()))),
                correct=correct,
                points=points,
                next_question=next_view,
                summary=summary,
            )

    def answer_poll(self, who: Identity, poll_id: str, option_ids: Sequence[int]) -> bool | None:
        """Count a vote on one of our group quiz polls, once per user and poll; False when ignored,
        None when the poll is unknown (perhaps posted a moment ago and not yet recorded).

        Ignored: a poll closed more than ``POLL_GRACE`` ago or of a stopped quiz, a retracted vote
        (no options), and a second vote of the same user (the (round, position) key decides). A voter met for
        the first time gets a pseudonymous user; their points and review queue are the same as in
        a private chat, so opening one later keeps them.
        """
        now = self.clock()
        with session_scope(self.engine) as session:
            found = repo.poll_target(session, poll_id=poll_id)
            if found is None:
                return None
            quiz, slot = found
            closes = as_utc(slot.closes_at)
            # Telegram closes the poll itself; the grace covers votes cast in time but handled late.
            in_time = closes is not None and now <= closes + POLL_GRACE
            question = self.by_id.get(slot.question_id)
            if not option_ids or quiz.status == "stopped" or not in_time or question is None:
                return False
            try:
                chosen = self._chosen(question, slot.shown_order, "".join(LETTERS[i] for i in option_ids))
            except (InvalidChoice, IndexError):
                return False
            user = self._user(session, who)
            round_id = repo.group_round(
                session, user_id=user.id, quiz_id=quiz.id, size=quiz.size, theme=quiz.theme, now=now
            )
            try:
                self._store(
                    session,
                    user_id=user.id,
                    round_id=round_id,
                    position=slot.position,
                    question=question,
                    chosen=chosen,
                    review=False,
                    finishes_round=False,
                    now=now,
                )
            except AlreadyAnswered:
                return False
            return True

    def summary(self, who: Identity, round_id: int) -> RoundSummary:
        """Score, points and streak of a round (finished or not)."""
        with read_scope(self.engine) as session:
            return self._summary(session, self._own_round(session, who, round_id))

    def stats(self, who: Identity) -> UserStats:
        """Points, finished rounds, streak and accuracy per theme of a user (a reader: it waits for no writer)."""
        with read_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
        if user is None:  # first contact: registering is a write
            with session_scope(self.engine) as session:
                user = self._user(session, who)
        with read_scope(self.engine) as session:
            accuracy = repo.accuracy_by_theme(session, user_id=user.id)
            return UserStats(
                nickname=user.nickname,
                total_points=repo.total_points(session, user_id=user.id),
                rounds=repo.count_rounds(session, user_id=user.id),
                streak=self._streak(session, user.id),
                accuracy={Theme(t): v for t, v in accuracy.items() if t in THEMES},
                reviews_due=repo.count_due_reviews(session, user_id=user.id, now=self.clock()),
            )

    # -- helpers -----------------------------------------------------------------------------

    def _open_round(
        self,
        session: Session,
        user: User,
        chosen: list[Question],
        *,
        theme: Theme | None,
        grade: Grade | None,
        mode: str,
        assignment_id: int | None = None,
    ) -> QuestionView:
        """Replace the user's unfinished round with one of ``chosen``, options shuffled; its first question."""
        repo.lock_user(session, user_id=user.id)  # two /quiz at once: one after the other
        repo.abandon_active_rounds(session, user_id=user.id)
        pairs = [(q.id, shuffle_options(q, self.rng)) for q in chosen]
        round_ = repo.create_round(
            session,
            user_id=user.id,
            theme=theme.value if theme else None,
            grade=grade.value if grade else None,
            questions=pairs,
            now=self.clock(),
            mode=mode,
            assignment_id=assignment_id,
        )
        return QuestionView(round_.id, 0, len(pairs), chosen[0], pairs[0][1], review=mode == "review")

    def _own_round(self, session: Session, who: Identity, round_id: int) -> Round:
        round_ = repo.owned_round(session, round_id=round_id, channel=who.channel, external_id=who.external_id)
        if round_ is None:
            raise RoundNotFound(str(round_id))
        return round_

    def _next_of(self, state: repo.RoundState, answered: set[int] = frozenset()) -> QuestionView | None:
        """The first position without an answer (``answered`` adds positions answered just now)."""
        for slot in state.slots:
            if not slot.answered and slot.position not in answered and slot.question_id in self.by_id:
                question = self.by_id[slot.question_id]
                review = state.mode == "review"
                return QuestionView(
                    state.id, slot.position, len(state.slots), question, slot.shown_order, review=review
                )
        return None

    def _store(
        self,
        session: Session,
        *,
        user_id: int,
        round_id: int,
        position: int,
        question: Question,
        chosen: str,
        review: bool,
        finishes_round: bool,
        now: datetime,
    ) -> tuple[int, bool]:
        """Grade and store one answer with everything that follows from it; returns (points, correct).

        Points the first time a question is answered right (not in review), the question's history,
        its review card, and the standings. Raises ``AlreadyAnswered`` when the position has an answer.
        """
        correct = grade(question, chosen)
        earned_before, card = repo.earned_and_card(session, user_id=user_id, question_id=question.id)
        # Review answers practise; only quiz (and group quiz) answers earn leaderboard points.
        points = 0 if review else points_for(question, correct=correct, earned_before=earned_before)
        stored = repo.insert_answer(
            session,
            answer=Answer(
                round_id=round_id,
                position=position,
                user_id=user_id,
                question_id=question.id,
                theme=question.theme.value,
                chosen=chosen,
                correct=correct,
                points=points,
                answered_at=now,
            ),
        )
        if not stored:  # another process answered this position between our read and write
            raise AlreadyAnswered(f"round {round_id} position {position}")
        repo.record_history(
            session, user_id=user_id, question_id=question.id, correct=correct, earned=points > 0, now=now
        )
        if card is not None or not correct or review:
            # A miss starts a review card; a question that has one is rescheduled by every answer.
            new_card, due = schedule_review(card, correct=correct, now=now)
            repo.save_review_card(session, user_id=user_id, question_id=question.id, card=new_card, due_at=due)
        if not review:
            repo.add_to_standings(
                session,
                user_id=user_id,
                day=local_day(now, self.zone),
                points=points,
                correct=correct,
                finished_round=finishes_round,
                now=now,
            )
        return points, correct

    def _resend(self, state: repo.RoundState, slot: repo.Slot) -> QuestionView | None:
        """The current question, when a press on an answered one is no double tap but a search for it."""
        if state.status != "active" or self.clock() - slot.answered_at < DOUBLE_TAP:
            return None
        return self._next_of(state)

    @staticmethod
    def _chosen(question: Question, order: str, shown: str) -> str:
        """The original letters behind ``shown``; a single-choice or judge question takes exactly one.

        Raises:
            InvalidChoice: no letter, a letter that is no option, or several for a one-answer question.
        """
        try:
            chosen = to_original(order, shown)
        except ValueError as exc:
            raise InvalidChoice(str(exc)) from exc
        if not chosen:
            raise InvalidChoice("no option chosen")
        if question.kind is not Kind.MULTIPLE and len(chosen) != 1:
            raise InvalidChoice(f"{question.kind.value} question takes one letter, got {shown!r}")
        return chosen

    def _summary(self, session: Session, round_: Round) -> RoundSummary:
        answers = repo.round_answers(session, round_id=round_.id)
        mistakes = Counter(a.theme for a in answers if not a.correct)
        weakest = Theme(mistakes.most_common(1)[0][0]) if mistakes else None
        return RoundSummary(
            round_id=round_.id,
            answered=len(answers),
            correct=sum(a.correct for a in answers),
            total=round_.size,
            points_earned=sum(a.points for a in answers),
            total_points=repo.total_points(session, user_id=round_.user_id),
            streak=self._streak(session, round_.user_id),
            weakest_theme=weakest,
            review=round_.mode == "review",
        )

    def _streak(self, session: Session, user_id: int) -> int:
        days = (local_day(t, self.zone) for t in repo.finished_round_times(session, user_id=user_id))
        return streak_length(days, today=local_day(self.clock(), self.zone))
