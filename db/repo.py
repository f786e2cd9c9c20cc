"""Repository functions: the only place with queries. Keyword-only, the session comes first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Answer, QuestionHistory, ReviewCard, Round, RoundQuestion, User, as_utc


class DuplicateAnswer(Exception):
    """The round position already has an answer."""


# -- users ---------------------------------------------------------------------------------------


def find_user(session: Session, *, channel: str, external_id: str) -> User | None:
    """The user known by ``external_id`` on ``channel``, if any."""
    return session.exec(select(User).where(User.channel == channel, User.external_id == external_id)).first()


def create_user(session: Session, *, channel: str, external_id: str, nickname: str, now: datetime) -> User:
    """Insert a new user."""
    user = User(channel=channel, external_id=external_id, nickname=nickname, created_at=now)
    session.add(user)
    session.flush()
    return user


def delete_user(session: Session, *, user_id: int) -> None:
    """Delete a user and everything stored about them."""
    for table in (Answer, QuestionHistory, ReviewCard):
        session.exec(delete(table).where(col(table.user_id) == user_id))
    round_ids = select(Round.id).where(Round.user_id == user_id)
    session.exec(delete(RoundQuestion).where(col(RoundQuestion.round_id).in_(round_ids)))
    session.exec(delete(Round).where(col(Round.user_id) == user_id))
    session.exec(delete(User).where(col(User.id) == user_id))


# -- rounds --------------------------------------------------------------------------------------


def abandon_active_rounds(session: Session, *, user_id: int) -> int:
    """Mark the user's unfinished rounds abandoned; returns how many."""
    result = session.exec(
        update(Round).where(col(Round.user_id) == user_id, col(Round.status) == "active").values(status="abandoned")
    )
    return result.rowcount or 0


def create_round(
    session: Session,
    *,
    user_id: int,
    theme: str | None,
    grade: str | None,
    questions: Sequence[tuple[str, str]],
    now: datetime,
    mode: str = "quiz",
) -> Round:
    """Insert a round with its ``(question_id, shown_order)`` pairs at positions 0, 1, ..."""
    round_ = Round(user_id=user_id, theme=theme, grade=grade, size=len(questions), mode=mode, started_at=now)
    session.add(round_)
    session.flush()
    session.add_all(
        RoundQuestion(round_id=round_.id, position=i, question_id=qid, shown_order=order)
        for i, (qid, order) in enumerate(questions)
    )
    session.flush()
    return round_


def get_round(session: Session, *, round_id: int) -> Round | None:
    """A round by id."""
    return session.get(Round, round_id)


def owned_round(session: Session, *, round_id: int, channel: str, external_id: str) -> Round | None:
    """A round by id, only if it belongs to the user known by ``external_id`` on ``channel``."""
    return session.exec(
        select(Round)
        .join(User, col(User.id) == col(Round.user_id))
        .where(Round.id == round_id, User.channel == channel, User.external_id == external_id)
    ).first()


def answered_positions(session: Session, *, round_id: int) -> set[int]:
    """The positions of a round that have an answer."""
    return set(session.exec(select(Answer.position).where(Answer.round_id == round_id)))


def latest_active_round(session: Session, *, user_id: int) -> Round | None:
    """The user's most recent unfinished round."""
    return session.exec(
        select(Round).where(Round.user_id == user_id, Round.status == "active").order_by(col(Round.id).desc())
    ).first()


def round_questions(session: Session, *, round_id: int) -> list[RoundQuestion]:
    """The questions of a round in position order."""
    return list(
        session.exec(
            select(RoundQuestion).where(RoundQuestion.round_id == round_id).order_by(col(RoundQuestion.position))
        )
    )


def round_answers(session: Session, *, round_id: int) -> list[Answer]:
    """The answers given in a round, in position order."""
    return list(session.exec(select(Answer).where(Answer.round_id == round_id).order_by(col(Answer.position))))


def finish_round(session: Session, *, round_: Round, now: datetime) -> None:
    """Mark a round finished."""
    round_.status = "finished"
    round_.finished_at = now
    session.add(round_)
    session.flush()


def finished_round_times(session: Session, *, user_id: int) -> list[datetime]:
    """When each finished round of the user ended (UTC)."""
    rows = session.exec(select(Round.finished_at).where(Round.user_id == user_id, Round.status == "finished"))
    return [as_utc(t) for t in rows if t is not None]


# -- answers and history -------------------------------------------------------------------------


def add_answer(session: Session, *, answer: Answer) -> Answer:
    """Insert an answer; raises ``DuplicateAnswer`` if its round position was already answered.

    The unique key (round, position) decides, so this holds across processes too.
    """
    session.add(answer)
    try:
        session.flush()  # the first write of the unit of work, so a failure leaves nothing behind
    except IntegrityError as exc:
        session.rollback()
        raise DuplicateAnswer(f"round {answer.round_id} position {answer.position}") from exc
    return answer


def last_seen(session: Session, *, user_id: int) -> dict[str, datetime]:
    """Question id -> when the user last answered it."""
    rows = session.exec(
        select(QuestionHistory.question_id, QuestionHistory.last_seen_at).where(QuestionHistory.user_id == user_id)
    )
    return {qid: as_utc(at) for qid, at in rows}


def get_history(session: Session, *, user_id: int, question_id: str) -> QuestionHistory | None:
    """The user's history with one question."""
    return session.get(QuestionHistory, (user_id, question_id))


def record_history(
    session: Session, *, user_id: int, question_id: str, correct: bool, earned: bool, now: datetime
) -> QuestionHistory:
    """Count one more answer of the user to a question."""
    history = get_history(session, user_id=user_id, question_id=question_id)
    if history is None:
        history = QuestionHistory(user_id=user_id, question_id=question_id, last_seen_at=now)
    history.times_seen += 1
    history.times_correct += int(correct)
    history.earned_points = history.earned_points or earned
    history.last_seen_at = now
    session.add(history)
    return history


def total_points(session: Session, *, user_id: int) -> int:
    """All points the user has earned."""
    return int(session.exec(select(func.coalesce(func.sum(Answer.points), 0)).where(Answer.user_id == user_id)).one())


def accuracy_by_theme(session: Session, *, user_id: int) -> dict[str, tuple[int, int]]:
    """Theme -> (right answers, all answers) of the user."""
    rows = session.exec(
        select(Answer.theme, func.sum(case((col(Answer.correct), 1), else_=0)), func.count())
        .where(Answer.user_id == user_id)
        .group_by(col(Answer.theme))
    )
    return {theme: (int(right or 0), int(count)) for theme, right, count in rows}


def count_rounds(session: Session, *, user_id: int, status: str = "finished", mode: str = "quiz") -> int:
    """How many rounds of the user in ``mode`` have ``status``."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Round)
            .where(Round.user_id == user_id, Round.status == status, Round.mode == mode)
        ).one()
    )


def set_blocked(session: Session, *, user: User, blocked: bool) -> None:
    """Mark whether the user has blocked the bot (skipped by anything the bot sends on its own)."""
    user.blocked = blocked
    session.add(user)
    session.flush()


# -- spaced review -------------------------------------------------------------------------------


def get_review_card(session: Session, *, user_id: int, question_id: str) -> ReviewCard | None:
    """The review card of one question for one user."""
    return session.get(ReviewCard, (user_id, question_id))


def save_review_card(session: Session, *, user_id: int, question_id: str, card: str, due_at: datetime) -> None:
    """Insert or update a review card."""
    row = get_review_card(session, user_id=user_id, question_id=question_id)
    if row is None:
        row = ReviewCard(user_id=user_id, question_id=question_id, card=card, due_at=due_at)
    row.card, row.due_at = card, due_at
    session.add(row)


def due_review_ids(session: Session, *, user_id: int, now: datetime, limit: int) -> list[str]:
    """Question ids whose review is due at ``now``, most overdue first."""
    return list(
        session.exec(
            select(ReviewCard.question_id)
            .where(ReviewCard.user_id == user_id, col(ReviewCard.due_at) <= now)
            .order_by(col(ReviewCard.due_at))
            .limit(limit)
        )
    )


def count_due_reviews(session: Session, *, user_id: int, now: datetime) -> int:
    """How many review cards of the user are due at ``now``."""
    return int(
        session.exec(
            select(func.count())
            .select_from(ReviewCard)
            .where(ReviewCard.user_id == user_id, col(ReviewCard.due_at) <= now)
        ).one()
    )
