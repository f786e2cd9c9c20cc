"""Repository functions: the only place with queries. Keyword-only, the session comes first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, DateTime, bindparam, case, delete, func, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from db.models import Answer, QuestionHistory, ReviewCard, Round, RoundQuestion, User, as_utc

# Exactly-once rules are the database's: unique keys decide, written as upserts (INSERT ... ON
# CONFLICT) that SQLite and PostgreSQL both understand, never as a read followed by a write.


def _insert(session: Session, model: type):
    """An INSERT for ``model`` in the session's dialect, so that ``on_conflict_*`` is available."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model.__table__)


# -- users ---------------------------------------------------------------------------------------


def find_user(session: Session, *, channel: str, external_id: str) -> User | None:
    """The user known by ``external_id`` on ``channel``, if any."""
    return session.exec(select(User).where(User.channel == channel, User.external_id == external_id)).first()


def upsert_user(session: Session, *, channel: str, external_id: str, nickname: str, now: datetime) -> tuple[User, bool]:
    """The user known by ``external_id`` on ``channel``, inserted on first contact; the flag says it is new.

    Two first contacts at once insert one row: the second insert does nothing and reads the first.
    """
    inserted = session.exec(
        _insert(session, User)
        .values(channel=channel, external_id=external_id, nickname=nickname, blocked=False, created_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(User.__table__.c.id)
    ).first()
    user = find_user(session, channel=channel, external_id=external_id)
    return user, inserted is not None


def delete_user(session: Session, *, user_id: int) -> None:
    """Delete a user and everything stored about them."""
    for table in (Answer, QuestionHistory, ReviewCard):
        session.exec(delete(table).where(col(table.user_id) == user_id))
    round_ids = select(Round.id).where(Round.user_id == user_id)
    session.exec(delete(RoundQuestion).where(col(RoundQuestion.round_id).in_(round_ids)))
    session.exec(delete(Round).where(col(Round.user_id) == user_id))
    session.exec(delete(User).where(col(User.id) == user_id))


# -- rounds --------------------------------------------------------------------------------------


def lock_user(session: Session, *, user_id: int) -> None:
    """Hold the user's row until the unit of work ends (PostgreSQL); SQLite's BEGIN IMMEDIATE already does.

    ``FOR NO KEY UPDATE``: it serialises two round starts of one user, yet does not block the key-share
    locks that an answer's foreign keys take on the same row (``FOR UPDATE`` would, and could deadlock).
    """
    session.exec(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


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


def latest_active_round(session: Session, *, user_id: int) -> Round | None:
    """The user's most recent unfinished round."""
    return session.exec(
        select(Round).where(Round.user_id == user_id, Round.status == "active").order_by(col(Round.id).desc())
    ).first()


def round_answers(session: Session, *, round_id: int) -> list[Answer]:
    """The answers given in a round, in position order."""
    return list(session.exec(select(Answer).where(Answer.round_id == round_id).order_by(col(Answer.position))))


def finish_round(session: Session, *, round_id: int, now: datetime) -> None:
    """Mark an active round finished."""
    session.exec(
        update(Round)
        .where(col(Round.id) == round_id, col(Round.status) == "active")
        .values(status="finished", finished_at=now)
    )


def finished_round_times(session: Session, *, user_id: int) -> list[datetime]:
    """When each finished round of the user ended (UTC)."""
    rows = session.exec(select(Round.finished_at).where(Round.user_id == user_id, Round.status == "finished"))
    return [as_utc(t) for t in rows if t is not None]


# -- answers and history -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """A position of a round, its question and option order, and whether it has an answer."""

    position: int
    question_id: str
    shown_order: str
    answered_at: datetime | None  # None: no answer yet

    @property
    def answered(self) -> bool:
        """Whether the position has an answer."""
        return self.answered_at is not None


@dataclass(frozen=True, slots=True)
class RoundState:
    """A round as an answer needs it, read in one query."""

    id: int
    user_id: int
    status: str
    mode: str
    slots: list[Slot]


# The answer path is the hot path of a classroom: its statements are written once, as SQL that SQLite
# and PostgreSQL share, with typed parameters. Building SQLAlchemy expressions per call cost more
# than running them.
_UTC = DateTime(timezone=True)
_ROUND_STATE = """
    SELECT r.id, r.user_id, r.status, r.mode, q.position, q.question_id, q.shown_order, a.answered_at
    FROM round r
    JOIN "user" u ON u.id = r.user_id
    JOIN roundquestion q ON q.round_id = r.id
    LEFT JOIN answer a ON a.round_id = r.id AND a.position = q.position
    WHERE r.id = :round_id AND u.channel = :channel AND u.external_id = :external_id
    ORDER BY q.position"""
ROUND_STATE = text(_ROUND_STATE).columns(answered_at=_UTC)
# PostgreSQL: the round row is locked by a statement of its own, so the read that follows takes a fresh
# snapshot (READ COMMITTED) and sees an answer committed while this one waited for the lock.
LOCK_ROUND = text("SELECT 1 FROM round WHERE id = :round_id FOR UPDATE")
EARNED_AND_CARD = text(
    """
    SELECT EXISTS (SELECT 1 FROM answer
                   WHERE user_id = :user_id AND question_id = :question_id AND points > 0),
           (SELECT card FROM reviewcard WHERE user_id = :user_id AND question_id = :question_id)"""
)
INSERT_ANSWER = text(
    """
    INSERT INTO answer (round_id, position, user_id, question_id, theme, chosen, correct, points, answered_at)
    VALUES (:round_id, :position, :user_id, :question_id, :theme, :chosen, :correct, :points, :answered_at)
    ON CONFLICT (round_id, position) DO NOTHING
    RETURNING id"""
).bindparams(bindparam("answered_at", type_=_UTC), bindparam("correct", type_=Boolean()))
RECORD_HISTORY = text(
    """
    INSERT INTO questionhistory (user_id, question_id, times_seen, times_correct, earned_points, last_seen_at)
    VALUES (:user_id, :question_id, 1, :correct, :earned, :now)
    ON CONFLICT (user_id, question_id) DO UPDATE SET
        times_seen = questionhistory.times_seen + 1,
        times_correct = questionhistory.times_correct + excluded.times_correct,
        earned_points = questionhistory.earned_points OR excluded.earned_points,
        last_seen_at = excluded.last_seen_at"""
).bindparams(bindparam("now", type_=_UTC), bindparam("earned", type_=Boolean()))
SAVE_REVIEW_CARD = text(
    """
    INSERT INTO reviewcard (user_id, question_id, card, due_at) VALUES (:user_id, :question_id, :card, :due_at)
    ON CONFLICT (user_id, question_id) DO UPDATE SET card = excluded.card, due_at = excluded.due_at"""
).bindparams(bindparam("due_at", type_=_UTC))


def round_state(
    session: Session, *, round_id: int, channel: str, external_id: str, lock: bool = False
) -> RoundState | None:
    """The round with its positions, if it belongs to the user; ``lock`` holds its row (PostgreSQL) for a write."""
    connection = session.connection()
    if lock and connection.dialect.name == "postgresql":
        connection.execute(LOCK_ROUND, {"round_id": round_id})
    params = {"round_id": round_id, "channel": channel, "external_id": external_id}
    rows = connection.execute(ROUND_STATE, params).all()
    if not rows:
        return None
    first = rows[0]
    slots = [Slot(row[4], row[5], row[6], as_utc(row[7])) for row in rows]
    return RoundState(first[0], first[1], first[2], first[3], slots)


def earned_and_card(session: Session, *, user_id: int, question_id: str) -> tuple[bool, str | None]:
    """Whether the user already earned points for the question, and its review card (one query)."""
    row = session.connection().execute(EARNED_AND_CARD, {"user_id": user_id, "question_id": question_id}).one()
    return bool(row[0]), row[1]


def insert_answer(session: Session, *, answer: Answer) -> bool:
    """Insert an answer unless its round position has one; False when it had (nothing written).

    The unique key (round, position) decides, so this holds across threads and processes.
    """
    params = answer.model_dump(exclude={"id"})
    return session.connection().execute(INSERT_ANSWER, params).first() is not None


def record_history(
    session: Session, *, user_id: int, question_id: str, correct: bool, earned: bool, now: datetime
) -> None:
    """Count one more answer of the user to a question (``x = x + 1`` in one upsert)."""
    params = {"user_id": user_id, "question_id": question_id, "correct": int(correct), "earned": earned, "now": now}
    session.connection().execute(RECORD_HISTORY, params)


def last_seen(session: Session, *, user_id: int) -> dict[str, datetime]:
    """Question id -> when the user last answered it."""
    rows = session.exec(
        select(QuestionHistory.question_id, QuestionHistory.last_seen_at).where(QuestionHistory.user_id == user_id)
    )
    return {qid: as_utc(at) for qid, at in rows}


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


def save_review_card(session: Session, *, user_id: int, question_id: str, card: str, due_at: datetime) -> None:
    """Insert or update a review card (one upsert)."""
    params = {"user_id": user_id, "question_id": question_id, "card": card, "due_at": due_at}
    session.connection().execute(SAVE_REVIEW_CARD, params)


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
