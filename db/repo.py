"""Repository functions: the only place with queries. Keyword-only, the session comes first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Date, DateTime, bindparam, case, delete, distinct, exists, func, not_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from db.models import (
    Answer,
    Assignment,
    CodeAttempt,
    DailyStats,
    Delivery,
    GroupChat,
    GroupQuestion,
    GroupQuiz,
    Invite,
    Lease,
    Membership,
    Meta,
    QuestionHistory,
    ReviewCard,
    Round,
    RoundQuestion,
    SchoolClass,
    Teacher,
    User,
    UserStats,
    WebLogin,
    as_utc,
)

# Exactly-once rules are the database's: unique keys decide, written as upserts (INSERT ... ON
# CONFLICT) that SQLite and PostgreSQL both understand, never as a read followed by a write.


def _insert(session: Session, model: type):
    """An INSERT for ``model`` in the session's dialect, so that ``on_conflict_*`` is available."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model.__table__)


# -- users ---------------------------------------------------------------------------------------


def get_user(session: Session, *, user_id: int) -> User | None:
    """A user by id."""
    return session.get(User, user_id)


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
    session.exec(delete(SchoolClass).where(col(SchoolClass.teacher_id) == user_id))  # their classes' members stay users
    session.exec(update(Invite).where(col(Invite.used_by) == user_id).values(used_by=None))
    for table in (
        Answer,
        QuestionHistory,
        ReviewCard,
        DailyStats,
        UserStats,
        Membership,
        Teacher,
        CodeAttempt,
        Delivery,
    ):
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
    assignment_id: int | None = None,
) -> Round:
    """Insert a round with its ``(question_id, shown_order)`` pairs at positions 0, 1, ..."""
    round_ = Round(
        user_id=user_id,
        theme=theme,
        grade=grade,
        size=len(questions),
        mode=mode,
        started_at=now,
        assignment_id=assignment_id,
    )
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


# -- standings -----------------------------------------------------------------------------------

_DAY = Date()
ADD_TO_DAILY = text(
    """
    INSERT INTO dailystats (user_id, day, points, answered, correct, rounds, last_scored_at)
    VALUES (:user_id, :day, :points, :answered, :correct, :rounds, :scored_at)
    ON CONFLICT (user_id, day) DO UPDATE SET
        points = dailystats.points + excluded.points,
        answered = dailystats.answered + excluded.answered,
        correct = dailystats.correct + excluded.correct,
        rounds = dailystats.rounds + excluded.rounds,
        last_scored_at = COALESCE(excluded.last_scored_at, dailystats.last_scored_at)"""
).bindparams(bindparam("day", type_=_DAY), bindparam("scored_at", type_=_UTC))
ADD_TO_TOTALS = text(
    """
    INSERT INTO userstats (user_id, points, answered, correct, rounds, last_scored_at, last_active_at)
    VALUES (:user_id, :points, :answered, :correct, :rounds, :scored_at, :now)
    ON CONFLICT (user_id) DO UPDATE SET
        points = userstats.points + excluded.points,
        answered = userstats.answered + excluded.answered,
        correct = userstats.correct + excluded.correct,
        rounds = userstats.rounds + excluded.rounds,
        last_scored_at = COALESCE(excluded.last_scored_at, userstats.last_scored_at),
        last_active_at = excluded.last_active_at"""
).bindparams(bindparam("scored_at", type_=_UTC), bindparam("now", type_=_UTC))


def add_to_standings(
    session: Session, *, user_id: int, day: date, points: int, correct: bool, finished_round: bool, now: datetime
) -> None:
    """Count one quiz answer (and the round it finished) on the user's local day and in their totals.

    Two upserts (``x = x + n``) in the answer's own unit of work, so standings never drift from answers.
    """
    params = {
        "user_id": user_id,
        "day": day,
        "points": points,
        "answered": 1,
        "correct": int(correct),
        "rounds": int(finished_round),
        "scored_at": now if points > 0 else None,
        "now": now,
    }
    connection = session.connection()
    connection.execute(ADD_TO_DAILY, params)
    connection.execute(ADD_TO_TOTALS, params)


@dataclass(frozen=True, slots=True)
class Standing:
    """A user's sums over a period (for leaderboards, reports and exports)."""

    user_id: int
    nickname: str
    roster_name: str | None
    points: int
    correct: int
    answered: int
    rounds: int
    last_scored_at: datetime | None
    last_active_at: datetime | None = None

    @property
    def accuracy(self) -> float:
        """Right answers / answers (0 when none)."""
        return self.correct / self.answered if self.answered else 0.0


def class_standings(session: Session, *, class_id: int, since: date | None) -> list[Standing]:
    """Every member of a class with their sums since ``since`` (a local day; None: all time), unsorted."""
    d, m, u, t = DailyStats.__table__, Membership.__table__, User.__table__, UserStats.__table__
    on = d.c.user_id == m.c.user_id
    if since is not None:
        on = on & (d.c.day >= since)
    rows = session.exec(
        select(
            u.c.id,
            u.c.nickname,
            m.c.roster_name,
            func.coalesce(func.sum(d.c.points), 0),
            func.coalesce(func.sum(d.c.correct), 0),
            func.coalesce(func.sum(d.c.answered), 0),
            func.coalesce(func.sum(d.c.rounds), 0),
            func.max(d.c.last_scored_at),
            func.max(t.c.last_active_at),
        )
        .select_from(m.join(u, u.c.id == m.c.user_id).outerjoin(d, on).outerjoin(t, t.c.user_id == m.c.user_id))
        .where(m.c.class_id == class_id)
        .group_by(u.c.id, u.c.nickname, m.c.roster_name)
    ).all()
    return [
        Standing(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5]), int(r[6]), _utc(r[7]), _utc(r[8])) for r in rows
    ]


def overall_top(session: Session, *, since: date | None, limit: int) -> list[Standing]:
    """The users with the most points since ``since`` (None: all time), at least ``limit`` of them with ties."""
    u = User.__table__
    if since is None:
        t = UserStats.__table__
        cutoff = select(t.c.points).where(t.c.points > 0).order_by(t.c.points.desc()).offset(limit - 1).limit(1)
        threshold = session.exec(cutoff).first()
        rows = session.exec(
            select(u.c.id, u.c.nickname, t.c.points, t.c.correct, t.c.answered, t.c.rounds, t.c.last_scored_at)
            .select_from(t.join(u, u.c.id == t.c.user_id))
            .where(t.c.points >= (threshold or 1))
        ).all()
    else:
        d = DailyStats.__table__
        points = func.sum(d.c.points)
        leaders = (  # first the leaders by points, from the covering index alone ...
            select(d.c.user_id, points)
            .where(d.c.day >= since)
            .group_by(d.c.user_id)
            .having(points > 0)
            .order_by(points.desc())
            .limit(limit * 3)  # room for ties on points; the exact order is settled by the caller
        )
        found = session.exec(leaders).all()
        if len(found) == limit * 3 and found[-1][1] == found[limit - 1][1]:  # a tie reaches past the room
            found = session.exec(leaders.limit(None).having(points >= found[limit - 1][1])).all()
        ids = [row[0] for row in found]
        rows = session.exec(  # ... then their other sums
            select(
                u.c.id,
                u.c.nickname,
                points,
                func.sum(d.c.correct),
                func.sum(d.c.answered),
                func.sum(d.c.rounds),
                func.max(d.c.last_scored_at),
            )
            .select_from(d.join(u, u.c.id == d.c.user_id))
            .where(d.c.user_id.in_(ids), d.c.day >= since)
            .group_by(u.c.id, u.c.nickname)
        ).all()
    return [Standing(r[0], r[1], None, int(r[2]), int(r[3]), int(r[4]), int(r[5]), _utc(r[6])) for r in rows]


def points_since(session: Session, *, user_id: int, since: date | None) -> int:
    """The user's points since ``since`` (None: all time)."""
    if since is None:
        found = session.exec(select(UserStats.points).where(UserStats.user_id == user_id)).first()
        return int(found or 0)
    d = DailyStats.__table__
    total = select(func.coalesce(func.sum(d.c.points), 0)).where(d.c.user_id == user_id, d.c.day >= since)
    return int(session.exec(total).one())


def count_ahead(session: Session, *, points: int, since: date | None) -> int:
    """How many users have more points than ``points`` since ``since`` (None: all time)."""
    if since is None:
        return int(session.exec(select(func.count()).where(UserStats.points > points)).one())
    d = DailyStats.__table__
    sums = select(d.c.user_id).where(d.c.day >= since).group_by(d.c.user_id).having(func.sum(d.c.points) > points)
    return int(session.exec(select(func.count()).select_from(sums.subquery())).one())


def class_theme_accuracy(session: Session, *, class_id: int, since: datetime | None) -> dict[str, tuple[int, int]]:
    """Theme -> (right, answers) of a class's members in quiz rounds since ``since`` (UTC)."""
    a, m, r = Answer.__table__, Membership.__table__, Round.__table__
    query = (
        select(a.c.theme, func.sum(case((a.c.correct, 1), else_=0)), func.count())
        .select_from(a.join(m, m.c.user_id == a.c.user_id).join(r, r.c.id == a.c.round_id))
        .where(m.c.class_id == class_id, r.c.mode.in_(("quiz", "group")))
        .group_by(a.c.theme)
    )
    if since is not None:
        query = query.where(a.c.answered_at >= since)
    return {theme: (int(right), int(count)) for theme, right, count in session.exec(query)}


def class_most_missed(
    session: Session, *, class_id: int, since: datetime | None, limit: int
) -> list[tuple[str, int, int]]:
    """(question id, students who missed it, students who answered it), most missed first."""
    a, m, r = Answer.__table__, Membership.__table__, Round.__table__
    missed = func.count(distinct(case((not_(a.c.correct), a.c.user_id))))
    answered = func.count(distinct(a.c.user_id))
    query = (
        select(a.c.question_id, missed, answered)
        .select_from(a.join(m, m.c.user_id == a.c.user_id).join(r, r.c.id == a.c.round_id))
        .where(m.c.class_id == class_id, r.c.mode.in_(("quiz", "group")))
        .group_by(a.c.question_id)
        .having(missed > 0)
        .order_by(missed.desc(), (missed * 1.0 / answered).desc(), a.c.question_id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(a.c.answered_at >= since)
    return [(qid, int(miss), int(total)) for qid, miss, total in session.exec(query)]


def _utc(moment: datetime | str | None) -> datetime | None:
    return as_utc(moment) if isinstance(moment, datetime) or moment is None else as_utc(datetime.fromisoformat(moment))


# -- teachers, invites and classes ---------------------------------------------------------------


def is_teacher(session: Session, *, user_id: int) -> bool:
    """Whether the user redeemed a teacher invite."""
    return session.get(Teacher, user_id) is not None


def add_invites(session: Session, *, codes: Sequence[str], now: datetime, expires_at: datetime) -> None:
    """Store new one-time teacher invite codes."""
    session.add_all(Invite(code=code, created_at=now, expires_at=expires_at) for code in codes)
    session.flush()


def redeem_invite(session: Session, *, code: str, user_id: int, now: datetime) -> bool:
    """Use an invite for the user: True when it was unused and valid (one conditional UPDATE decides).

    ``used_at`` marks it used for good: ``used_by`` is cleared when that teacher is forgotten.
    """
    used = session.exec(
        update(Invite)
        .where(col(Invite.code) == code, col(Invite.used_at).is_(None), col(Invite.expires_at) > now)
        .values(used_by=user_id, used_at=now)
    )
    if used.rowcount != 1:
        return False
    session.exec(
        _insert(session, Teacher).values(user_id=user_id, since=now).on_conflict_do_nothing(index_elements=["user_id"])
    )
    return True


def codes_locked(session: Session, *, user_id: int, now: datetime, window: timedelta, limit: int) -> bool:
    """Whether the user's ``limit``-th wrong code within a ``window`` was less than ``window`` ago.

    The lock lasts a full ``window`` from the guess that reached the limit.
    """
    latest = session.exec(
        select(func.max(CodeAttempt.at)).where(CodeAttempt.user_id == user_id, col(CodeAttempt.at) > now - window)
    ).one()
    if latest is None:
        return False
    latest = _utc(latest)
    within = select(func.count()).where(
        CodeAttempt.user_id == user_id, col(CodeAttempt.at) > latest - window, col(CodeAttempt.at) <= latest
    )
    return int(session.exec(within).one()) >= limit


def add_wrong_code(session: Session, *, user_id: int, now: datetime) -> None:
    """Remember one wrong code."""
    session.add(CodeAttempt(user_id=user_id, at=now))
    session.flush()


def create_class(session: Session, *, teacher_id: int, name: str, code: str, now: datetime) -> SchoolClass | None:
    """A new class, or None when ``code`` is taken (the caller draws another)."""
    inserted = session.exec(
        _insert(session, SchoolClass)
        .values(name=name, code=code, teacher_id=teacher_id, open=True, created_at=now)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(SchoolClass.__table__.c.id)
    ).first()
    return session.get(SchoolClass, inserted[0]) if inserted else None


def teacher_classes(session: Session, *, teacher_id: int) -> list[tuple[SchoolClass, int]]:
    """The teacher's classes, oldest first, each with its member count."""
    m = Membership.__table__
    members = select(func.count()).where(m.c.class_id == SchoolClass.id).scalar_subquery()
    rows = session.exec(
        select(SchoolClass, members).where(SchoolClass.teacher_id == teacher_id).order_by(col(SchoolClass.id))
    ).all()
    return [(cls, int(n)) for cls, n in rows]


def class_by_code(session: Session, *, code: str) -> SchoolClass | None:
    """A class by its join code."""
    return session.exec(select(SchoolClass).where(SchoolClass.code == code)).first()


def set_class_open(session: Session, *, class_id: int, open_: bool) -> None:
    """Open or close a class for new members."""
    session.exec(update(SchoolClass).where(col(SchoolClass.id) == class_id).values(open=open_))


def get_membership(session: Session, *, user_id: int) -> tuple[Membership, SchoolClass] | None:
    """The user's class membership and the class."""
    return session.exec(
        select(Membership, SchoolClass)
        .join(SchoolClass, col(SchoolClass.id) == col(Membership.class_id))
        .where(Membership.user_id == user_id)
    ).first()


def join_class(session: Session, *, user_id: int, class_id: int, now: datetime) -> bool:
    """Make the user a member of the class unless they are in one: True when they joined now."""
    inserted = session.exec(
        _insert(session, Membership)
        .values(user_id=user_id, class_id=class_id, roster_name=None, joined_at=now)
        .on_conflict_do_nothing(index_elements=["user_id"])
        .returning(Membership.__table__.c.user_id)
    ).first()
    return inserted is not None


def move_to_class(session: Session, *, user_id: int, class_id: int, now: datetime) -> None:
    """Move a member to another class; the roster name is asked again."""
    session.exec(
        update(Membership)
        .where(col(Membership.user_id) == user_id)
        .values(class_id=class_id, roster_name=None, joined_at=now)
    )


def set_roster_name(session: Session, *, user_id: int, name: str) -> None:
    """Store the member's roster name."""
    session.exec(update(Membership).where(col(Membership.user_id) == user_id).values(roster_name=name))


def leave_class(session: Session, *, user_id: int) -> None:
    """End the user's membership."""
    session.exec(delete(Membership).where(col(Membership.user_id) == user_id))


# -- reminders -----------------------------------------------------------------------------------


def set_reminders(session: Session, *, user_id: int, on: bool) -> None:
    """Subscribe the user to reminders, or not."""
    session.exec(update(User).where(col(User.id) == user_id).values(reminders=on))


def waiting_subscribers(
    session: Session, *, key: str, occurrence: date, class_id: int | None = None, unfinished: int | None = None
) -> list[int]:
    """Telegram users who should get (key, occurrence) and have no delivery of it yet.

    Everyone subscribed and not blocked; with ``class_id`` the class's members (assignments reach
    them whatever their subscription); with ``unfinished`` only members without a finished round of
    that assignment.
    """
    d, u = Delivery.__table__, User.__table__
    sent = exists().where(d.c.key == key, d.c.occurrence == occurrence, d.c.user_id == u.c.id)
    query = select(u.c.id).where(u.c.channel == "telegram", not_(u.c.blocked), not_(sent))
    if class_id is None:
        query = query.where(u.c.reminders)
    else:
        m = Membership.__table__
        query = query.where(exists().where(m.c.user_id == u.c.id, m.c.class_id == class_id))
    if unfinished is not None:
        r = Round.__table__
        done = exists().where(r.c.user_id == u.c.id, r.c.assignment_id == unfinished, r.c.status == "finished")
        query = query.where(not_(done))
    return list(session.exec(query.order_by(u.c.id)))


def claim_deliveries(
    session: Session, *, key: str, occurrence: date, user_ids: Sequence[int], now: datetime
) -> list[int]:
    """Record (key, occurrence, user) as being sent; returns the users claimed now (others had a row)."""
    if not user_ids:
        return []
    rows = [
        {"key": key, "occurrence": occurrence, "user_id": uid, "status": "sending", "attempts": 1, "updated_at": now}
        for uid in user_ids
    ]
    claimed = session.exec(
        _insert(session, Delivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["key", "occurrence", "user_id"])
        .returning(Delivery.__table__.c.user_id)
    ).all()
    return [row[0] for row in claimed]


def claim_retries(
    session: Session, *, now: datetime, today: date, max_attempts: int, limit: int
) -> list[tuple[str, date, int]]:
    """Up to ``limit`` of today's deliveries that failed for a passing reason: claimed as being sent.

    The outer WHERE repeats the status, so a row another run claimed meanwhile is not claimed twice.
    """
    d = Delivery.__table__
    retry = (d.c.status == "retry") & (d.c.attempts < max_attempts) & (d.c.occurrence == today)
    waiting = select(d.c.id).where(retry).limit(limit)
    rows = session.exec(
        update(d)
        .where(d.c.id.in_(waiting.scalar_subquery()), retry)
        .values(status="sending", attempts=d.c.attempts + 1, updated_at=now)
        .returning(d.c.key, d.c.occurrence, d.c.user_id)
    ).all()
    return [(k, o if isinstance(o, date) else date.fromisoformat(o), u) for k, o, u in rows]


def mark_deliveries(session: Session, *, results: Sequence[tuple[str, date, int, str]], now: datetime) -> None:
    """Store how each (key, occurrence, user) went: sent | retry | failed | blocked."""
    d = Delivery.__table__
    for key, occurrence, user_id, status in results:
        session.exec(
            update(d)
            .where(d.c.key == key, d.c.occurrence == occurrence, d.c.user_id == user_id)
            .values(status=status, updated_at=now)
        )
    blocked = [user_id for _, _, user_id, status in results if status == "blocked"]
    if blocked:
        session.exec(update(User).where(col(User.id).in_(blocked)).values(blocked=True))


def give_up_retries(session: Session, *, max_attempts: int, today: date, now: datetime) -> int:
    """Retries that ran out (``max_attempts``) or whose day is over become "failed"; returns how many."""
    d = Delivery.__table__
    result = session.exec(
        update(d)
        .where(d.c.status == "retry", (d.c.attempts >= max_attempts) | (d.c.occurrence < today))
        .values(status="failed", updated_at=now)
    )
    return result.rowcount or 0


def abandon_stale_sending(session: Session, *, before: datetime) -> int:
    """Mark deliveries left "sending" by a process that stopped as "unknown"; returns how many."""
    d = Delivery.__table__
    result = session.exec(
        update(d).where(d.c.status == "sending", d.c.updated_at < before).values(status="unknown", updated_at=before)
    )
    return result.rowcount or 0


def chat_ids(session: Session, *, user_ids: Sequence[int]) -> dict[int, str]:
    """User id -> Telegram chat id (the external id)."""
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.external_id).where(col(User.id).in_(list(user_ids))))
    return dict(rows.all())


def take_lease(session: Session, *, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Hold the lease ``name`` until ``until`` if it is free, expired or already ours (one upsert)."""
    lease = Lease.__table__
    taken = session.exec(
        _insert(session, Lease)
        .values(name=name, holder=holder, expires_at=until)
        .on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": until},
            where=(lease.c.expires_at < now) | (lease.c.holder == holder),
        )
        .returning(lease.c.holder)
    ).first()
    return taken is not None


def create_assignment(
    session: Session, *, class_id: int, theme: str | None, size: int, deadline: date, now: datetime
) -> Assignment:
    """A new assignment of a class."""
    assignment = Assignment(class_id=class_id, theme=theme, size=size, deadline=deadline, created_at=now)
    session.add(assignment)
    session.flush()
    return assignment


def get_assignment(session: Session, *, assignment_id: int) -> Assignment | None:
    """An assignment by id."""
    return session.get(Assignment, assignment_id)


def assignments_between(session: Session, *, first: date, last: date) -> list[Assignment]:
    """Assignments whose deadline is from ``first`` to ``last``."""
    return list(
        session.exec(select(Assignment).where(col(Assignment.deadline) >= first, col(Assignment.deadline) <= last))
    )


def open_assignments(session: Session, *, today: date) -> list[Assignment]:
    """Assignments whose deadline is today or later (their announcement may still be pending)."""
    return list(session.exec(select(Assignment).where(col(Assignment.deadline) >= today)))


def finished_assignment(session: Session, *, user_id: int, assignment_id: int) -> bool:
    """Whether the user finished a round of the assignment."""
    r = Round.__table__
    done = select(r.c.id).where(r.c.user_id == user_id, r.c.assignment_id == assignment_id, r.c.status == "finished")
    return session.exec(done.limit(1)).first() is not None


def class_assignments(session: Session, *, class_id: int, since: date) -> list[tuple[Assignment, list[str]]]:
    """The class's assignments due from ``since`` on, each with the roster names (or nicknames) of who finished."""
    found = []
    for assignment in session.exec(
        select(Assignment)
        .where(Assignment.class_id == class_id, col(Assignment.deadline) >= since)
        .order_by(col(Assignment.deadline))
    ):
        done = session.exec(
            select(func.coalesce(Membership.roster_name, User.nickname))
            .join(User, col(User.id) == col(Membership.user_id))
            .where(
                Membership.class_id == class_id,
                exists().where(
                    Round.user_id == Membership.user_id,
                    Round.assignment_id == assignment.id,
                    Round.status == "finished",
                ),
            )
        ).all()
        found.append((assignment, sorted(done)))
    return found


# -- class groups --------------------------------------------------------------------------------


def upsert_group(session: Session, *, chat_id: int, active: bool, now: datetime) -> None:
    """Remember that the bot is in (or left) a group."""
    session.exec(
        _insert(session, GroupChat)
        .values(chat_id=chat_id, active=active, joined_at=now)
        .on_conflict_do_update(index_elements=["chat_id"], set_={"active": active})
    )


def class_name(session: Session, *, class_id: int) -> str:
    """A class's name."""
    return session.exec(select(SchoolClass.name).where(SchoolClass.id == class_id)).one()


def get_group(session: Session, *, chat_id: int) -> GroupChat | None:
    """A group by its chat id."""
    return session.get(GroupChat, chat_id)


def link_group(session: Session, *, chat_id: int, class_id: int, now: datetime) -> None:
    """Link a group to a class (its answers then count in the class's reports)."""
    session.exec(
        _insert(session, GroupChat)
        .values(chat_id=chat_id, class_id=class_id, active=True, joined_at=now)
        .on_conflict_do_update(index_elements=["chat_id"], set_={"class_id": class_id})
    )


def create_group_quiz(
    session: Session,
    *,
    chat_id: int,
    theme: str | None,
    questions: Sequence[tuple[str, str]],
    open_seconds: int,
    now: datetime,
) -> int | None:
    """A running quiz in the group with its questions, or None when one is running there (the index decides)."""
    created = session.exec(
        _insert(session, GroupQuiz)
        .values(
            chat_id=chat_id,
            theme=theme,
            size=len(questions),
            open_seconds=open_seconds,
            status="running",
            position=0,
            started_at=now,
        )
        .on_conflict_do_nothing()
        .returning(GroupQuiz.__table__.c.id)
    ).first()
    if created is None:
        return None
    quiz_id = created[0]
    session.add_all(
        GroupQuestion(group_quiz_id=quiz_id, position=i, question_id=qid, shown_order=order)
        for i, (qid, order) in enumerate(questions)
    )
    session.flush()
    return quiz_id


def running_group_quiz(session: Session, *, chat_id: int) -> GroupQuiz | None:
    """The group's running quiz."""
    return session.exec(select(GroupQuiz).where(GroupQuiz.chat_id == chat_id, GroupQuiz.status == "running")).first()


def running_group_quizzes(session: Session) -> list[GroupQuiz]:
    """Every running group quiz (to resume after a restart)."""
    return list(session.exec(select(GroupQuiz).where(GroupQuiz.status == "running")))


def get_group_quiz(session: Session, *, quiz_id: int) -> GroupQuiz | None:
    """A group quiz by id."""
    return session.get(GroupQuiz, quiz_id)


def claim_next_poll(session: Session, *, quiz_id: int, position: int, now: datetime, closes_at: datetime) -> bool:
    """Take the right to post poll ``position`` (0-based): only once, and only after the previous one closed.

    The question remembers when its poll closes (votes are checked against it).
    """
    q, g = GroupQuiz.__table__, GroupQuestion.__table__
    claimed = session.exec(
        update(q)
        .where(
            q.c.id == quiz_id,
            q.c.status == "running",
            q.c.position == position,
            q.c.size > position,
            (q.c.poll_closes_at.is_(None)) | (q.c.poll_closes_at <= now),
        )
        .values(position=position + 1, poll_closes_at=closes_at)
        .returning(q.c.id)
    ).first()
    if claimed is None:
        return False
    session.exec(update(g).where(g.c.group_quiz_id == quiz_id, g.c.position == position).values(closes_at=closes_at))
    return True


def group_question(session: Session, *, quiz_id: int, position: int) -> GroupQuestion | None:
    """A question of a group quiz."""
    return session.get(GroupQuestion, (quiz_id, position))


def set_poll(
    session: Session, *, quiz_id: int, position: int, poll_id: str, message_id: int, closes_at: datetime
) -> None:
    """Remember which poll shows a question (poll answers name only the poll), its message and its close."""
    session.exec(
        update(GroupQuestion)
        .where(col(GroupQuestion.group_quiz_id) == quiz_id, col(GroupQuestion.position) == position)
        .values(poll_id=poll_id, message_id=message_id, closes_at=closes_at)
    )


def open_poll_message(session: Session, *, quiz_id: int, position: int) -> int | None:
    """The message id of a quiz's poll at ``position`` (to close it early)."""
    return session.exec(
        select(GroupQuestion.message_id).where(
            GroupQuestion.group_quiz_id == quiz_id, GroupQuestion.position == position
        )
    ).first()


def poll_target(session: Session, *, poll_id: str) -> tuple[GroupQuiz, GroupQuestion] | None:
    """The quiz and question of one of our polls."""
    return session.exec(
        select(GroupQuiz, GroupQuestion)
        .join(GroupQuestion, col(GroupQuestion.group_quiz_id) == col(GroupQuiz.id))
        .where(GroupQuestion.poll_id == poll_id)
    ).first()


def end_group_quiz(session: Session, *, quiz_id: int, status: str, now: datetime) -> bool:
    """Finish or stop a running quiz: True for the one call that did it."""
    q = GroupQuiz.__table__
    ended = session.exec(
        update(q)
        .where(q.c.id == quiz_id, q.c.status == "running")
        .values(status=status, finished_at=now)
        .returning(q.c.id)
    ).first()
    return ended is not None


def group_round(session: Session, *, user_id: int, quiz_id: int, size: int, theme: str | None, now: datetime) -> int:
    """The voter's round of a group quiz, made on their first answer (one per user and quiz)."""
    session.exec(
        _insert(session, Round)
        .values(
            user_id=user_id, group_quiz_id=quiz_id, size=size, theme=theme, mode="group", status="group", started_at=now
        )
        .on_conflict_do_nothing(index_elements=["user_id", "group_quiz_id"])
    )
    return session.exec(select(Round.id).where(Round.user_id == user_id, Round.group_quiz_id == quiz_id)).one()


def group_scores(
    session: Session, *, quiz_id: int | None = None, chat_id: int | None = None, since: datetime | None = None
) -> list[Standing]:
    """Each voter's right answers and points in one group quiz, or in a group's quizzes since ``since``."""
    a, r, u, q = Answer.__table__, Round.__table__, User.__table__, GroupQuiz.__table__
    query = (
        select(
            u.c.id,
            u.c.nickname,
            func.sum(a.c.points),
            func.sum(case((a.c.correct, 1), else_=0)),
            func.count(),
            func.max(a.c.answered_at),
        )
        .select_from(
            a.join(r, r.c.id == a.c.round_id).join(u, u.c.id == a.c.user_id).join(q, q.c.id == r.c.group_quiz_id)
        )
        .group_by(u.c.id, u.c.nickname)
    )
    if quiz_id is not None:
        query = query.where(q.c.id == quiz_id)
    if chat_id is not None:
        query = query.where(q.c.chat_id == chat_id)
    if since is not None:
        query = query.where(a.c.answered_at >= since)
    return [
        Standing(uid, nick, None, int(points or 0), int(right or 0), int(n), 0, _utc(last))
        for uid, nick, points, right, n, last in session.exec(query)
    ]


# -- the teacher's web page ----------------------------------------------------------------------


def add_web_login(session: Session, *, token_hash: str, user_id: int, expires_at: datetime) -> None:
    """Store a sign-in link (its token's hash)."""
    session.add(WebLogin(token_hash=token_hash, user_id=user_id, expires_at=expires_at))
    session.flush()


def use_web_login(session: Session, *, token_hash: str, now: datetime) -> int | None:
    """Use a sign-in link once: the user id, or None when unknown, used or expired (one conditional UPDATE)."""
    w = WebLogin.__table__
    used = session.exec(
        update(w)
        .where(w.c.token_hash == token_hash, w.c.used_at.is_(None), w.c.expires_at > now)
        .values(used_at=now)
        .returning(w.c.user_id)
    ).first()
    return used[0] if used else None


def get_meta(session: Session, *, key: str) -> str | None:
    """A value of the meta table."""
    return session.exec(select(Meta.value).where(Meta.key == key)).first()


def set_meta_once(session: Session, *, key: str, value: str) -> str:
    """Store ``value`` unless the key has one; returns the value that is stored (first writer wins)."""
    session.exec(_insert(session, Meta).values(key=key, value=value).on_conflict_do_nothing(index_elements=["key"]))
    return session.exec(select(Meta.value).where(Meta.key == key)).one()


def student_rounds(session: Session, *, user_id: int, limit: int) -> list[tuple[datetime, int, int, int, str | None]]:
    """The user's last finished quiz rounds: (finished at, right, answered, points, theme)."""
    a, r = Answer.__table__, Round.__table__
    rows = session.exec(
        select(
            r.c.finished_at,
            func.sum(case((a.c.correct, 1), else_=0)),
            func.count(a.c.id),
            func.coalesce(func.sum(a.c.points), 0),
            r.c.theme,
        )
        .select_from(r.join(a, a.c.round_id == r.c.id))
        .where(r.c.user_id == user_id, r.c.status == "finished", r.c.mode == "quiz")
        .group_by(r.c.id, r.c.finished_at, r.c.theme)
        .order_by(r.c.finished_at.desc())
        .limit(limit)
    ).all()
    return [(_utc(at), int(right), int(n), int(points), theme) for at, right, n, points, theme in rows]
