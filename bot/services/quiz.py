"""The quiz use cases: start a round, deliver its questions, take answers, sum up."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.engine.grading import grade, points_for
from bot.engine.model import THEMES, Grade, Question, Theme
from bot.engine.review import REVIEW_ROUND_SIZE, schedule_review
from bot.engine.selection import DEFAULT_ROUND_SIZE, select_round
from bot.engine.shuffle import shuffle_options, to_original
from bot.engine.streak import local_day, streak_length
from bot.services.common import Identity, ensure_user, utc_now
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
from db.models import Answer, Round, RoundQuestion, User
from db.session import session_scope


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
        with session_scope(self.engine) as session:
            user = repo.find_user(session, channel=who.channel, external_id=who.external_id)
            round_ = repo.latest_active_round(session, user_id=user.id) if user else None
            if round_ is None:
                return None
            answered = repo.answered_positions(session, round_id=round_.id)
            return self._next_view(session, round_, answered)

    def current_question(self, who: Identity, round_id: int) -> QuestionView:
        """The first unanswered question of an active round of this user.

        Raises:
            RoundNotFound, RoundClosed.
        """
        with session_scope(self.engine) as session:
            round_ = self._own_round(session, who, round_id)
            if round_.status != "active":
                raise RoundClosed(str(round_id))
            answered = repo.answered_positions(session, round_id=round_id)
            view = self._next_view(session, round_, answered)
            if view is None:
                raise RoundClosed(str(round_id))
            return view

    def answer(self, who: Identity, round_id: int, position: int, shown: str) -> AnswerOutcome:
        """Grade and store the answer ``shown`` (letters as displayed) at ``position`` of a round.

        Exactly once: a second answer for the same position raises ``AlreadyAnswered`` and
        changes nothing. The round finishes with its last answer.

        Raises:
            RoundNotFound, RoundClosed, AlreadyAnswered, InvalidChoice.
        """
        with session_scope(self.engine) as session:
            round_ = self._own_round(session, who, round_id)
            slots = repo.round_questions(session, round_id=round_id)
            if not 0 <= position < len(slots):
                raise RoundNotFound(f"round {round_id} has no position {position}")
            answered = repo.answered_positions(session, round_id=round_id)
            if position in answered:
                raise AlreadyAnswered(f"round {round_id} position {position}")
            if round_.status != "active":
                raise RoundClosed(str(round_id))
            slot = slots[position]
            question = self.by_id.get(slot.question_id)
            if question is None:  # the question left the bank after the round began
                raise RoundClosed(f"question {slot.question_id} is no longer in the bank")
            review_round = round_.mode == "review"
            view = QuestionView(round_id, position, len(slots), question, slot.shown_order, review=review_round)
            try:
                chosen = to_original(slot.shown_order, shown)
            except ValueError as exc:
                raise InvalidChoice(str(exc)) from exc
            if not chosen:
                raise InvalidChoice("no option chosen")

            now = self.clock()
            correct = grade(question, chosen)
            history = repo.get_history(session, user_id=round_.user_id, question_id=question.id)
            earned_before = bool(history and history.earned_points)
            # Review answers practise; only quiz rounds earn leaderboard points.
            points = 0 if review_round else points_for(question, correct=correct, earned_before=earned_before)
            self._schedule_review(session, round_.user_id, question.id, correct=correct, now=now, force=review_round)
            answer = Answer(
                round_id=round_id,
                position=position,
                user_id=round_.user_id,
                question_id=question.id,
                theme=question.theme.value,
                chosen=chosen,
                correct=correct,
                points=points,
                answered_at=now,
            )
            try:
                repo.add_answer(session, answer=answer)
            except repo.DuplicateAnswer as exc:
                raise AlreadyAnswered(str(exc)) from exc
            repo.record_history(
                session,
                user_id=round_.user_id,
                question_id=question.id,
                correct=correct,
                earned=points > 0,
                now=now,
            )
            answered = answered | {position}
            next_view = self._next_view(session, round_, answered, slots)
            summary = None
            if next_view is None:
                repo.finish_round(session, round_=round_, now=now)
                summary = self._summary(session, round_)
            return AnswerOutcome(
                view=view,
                chosen_shown="".join(sorted(set(shown.upper()))),
                correct=correct,
                points=points,
                next_question=next_view,
                summary=summary,
            )

    def summary(self, who: Identity, round_id: int) -> RoundSummary:
        """Score, points and streak of a round (finished or not)."""
        with session_scope(self.engine) as session:
            return self._summary(session, self._own_round(session, who, round_id))

    def stats(self, who: Identity) -> UserStats:
        """Points, finished rounds, streak and accuracy per theme of a user."""
        with session_scope(self.engine) as session:
            user = self._user(session, who)
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
    ) -> QuestionView:
        """Replace the user's unfinished round with one of ``chosen``, options shuffled; its first question."""
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
        )
        return QuestionView(round_.id, 0, len(pairs), chosen[0], pairs[0][1], review=mode == "review")

    def _own_round(self, session: Session, who: Identity, round_id: int) -> Round:
        round_ = repo.owned_round(session, round_id=round_id, channel=who.channel, external_id=who.external_id)
        if round_ is None:
            raise RoundNotFound(str(round_id))
        return round_

    def _next_view(
        self, session: Session, round_: Round, answered: set[int], slots: list[RoundQuestion] | None = None
    ) -> QuestionView | None:
        for slot in slots if slots is not None else repo.round_questions(session, round_id=round_.id):
            if slot.position not in answered and slot.question_id in self.by_id:
                question = self.by_id[slot.question_id]
                review = round_.mode == "review"
                return QuestionView(round_.id, slot.position, round_.size, question, slot.shown_order, review=review)
        return None

    def _schedule_review(
        self, session: Session, user_id: int, question_id: str, *, correct: bool, now: datetime, force: bool
    ) -> None:
        """A miss starts a review card; a question that has one is rescheduled by every answer."""
        card = repo.get_review_card(session, user_id=user_id, question_id=question_id)
        if card is None and correct and not force:
            return
        state, due = schedule_review(card.card if card else None, correct=correct, now=now)
        repo.save_review_card(session, user_id=user_id, question_id=question_id, card=state, due_at=due)

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
