"""All tables in one place. Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Keys that grow are 64-bit. SQLite keeps INTEGER, which is already 64-bit there and is the only type
# that makes a primary key the autoincrementing rowid.
BigKey = BigInteger().with_variant(Integer(), "sqlite")
MAX_KEY = 2**63 - 1
ACTIVE = text("status = 'active'")
EARNED = text("points > 0")


def utc_column(*, nullable: bool = False, index: bool = False) -> Column:
    """A timezone-aware UTC timestamp column (SQLite keeps no zone, so it is normalised on read)."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def id_column() -> Column:
    """A 64-bit autoincrementing primary key."""
    return Column(BigKey, primary_key=True, autoincrement=True)


def key_column(target: str, *, primary_key: bool = False) -> Column:
    """A 64-bit foreign key to ``target`` (``table.column``) that is deleted with its row."""
    return Column(BigKey, ForeignKey(target, ondelete="CASCADE"), primary_key=primary_key, nullable=False)


def as_utc(moment: datetime | None) -> datetime | None:
    """Attach UTC to a naive timestamp read back from SQLite."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself, such as the schema version."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)


class User(SQLModel, table=True):
    """A student or teacher, identified per channel (``telegram`` user id, ``console`` name)."""

    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_user_channel_external"),)

    id: int | None = Field(default=None, sa_column=id_column())
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    nickname: str = Field(max_length=32)
    grade: str | None = Field(default=None, max_length=16)
    blocked: bool = Field(default=False)
    reminders: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})  # /remind on|off
    start_payload: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=utc_column())


class Round(SQLModel, table=True):
    """One quiz round of a user: the questions were fixed when it started."""

    __table_args__ = (
        Index("ix_round_user_status", "user_id", "status"),
        # At most one active round per user, whatever races: the database decides.
        Index("uq_round_one_active", "user_id", unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE),
        UniqueConstraint("user_id", "group_quiz_id", name="uq_round_user_groupquiz"),
    )

    id: int | None = Field(default=None, sa_column=id_column())
    user_id: int = Field(sa_column=key_column("user.id"))
    theme: str | None = Field(default=None, max_length=16)
    grade: str | None = Field(default=None, max_length=16)
    size: int
    mode: str = Field(default="quiz", max_length=8)  # quiz (earns points) | review (spaced review)
    status: str = Field(default="active", max_length=16)  # active | finished | abandoned
    started_at: datetime = Field(sa_column=utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    assignment_id: int | None = Field(
        default=None,
        sa_column=Column(
            BigKey, ForeignKey("assignment.id", ondelete="SET NULL", name="fk_round_assignment"), nullable=True
        ),
    )
    group_quiz_id: int | None = Field(  # a voter's answers to one group quiz
        default=None,
        sa_column=Column(BigKey, ForeignKey("groupquiz.id", ondelete="CASCADE", name="fk_round_groupquiz")),
    )


class RoundQuestion(SQLModel, table=True):
    """A question of a round at its position, with the option order it is shown in."""

    round_id: int = Field(sa_column=key_column("round.id", primary_key=True))
    position: int = Field(primary_key=True)
    question_id: str = Field(max_length=32)
    shown_order: str = Field(max_length=6)


class Answer(SQLModel, table=True):
    """The one answer to a round position; the unique key makes answering exactly-once."""

    __table_args__ = (
        UniqueConstraint("round_id", "position", name="uq_answer_round_position"),
        Index("ix_answer_user_question", "user_id", "question_id"),
        Index("ix_answer_user_time", "user_id", "answered_at"),  # a class's answers in a period
        # Points for a question are earned once per user: the first right answer in a quiz round.
        Index(
            "uq_answer_points_once", "user_id", "question_id", unique=True, sqlite_where=EARNED, postgresql_where=EARNED
        ),
    )

    id: int | None = Field(default=None, sa_column=id_column())
    round_id: int = Field(sa_column=key_column("round.id"))
    position: int
    user_id: int = Field(sa_column=key_column("user.id"))
    question_id: str = Field(max_length=32)
    theme: str = Field(max_length=16)
    chosen: str = Field(max_length=6)  # original letters
    correct: bool
    points: int
    answered_at: datetime = Field(sa_column=utc_column())


class QuestionHistory(SQLModel, table=True):
    """What one user has done with one question: selection and points read this."""

    user_id: int = Field(sa_column=key_column("user.id", primary_key=True))
    question_id: str = Field(primary_key=True, max_length=32)
    times_seen: int = 0
    times_correct: int = 0
    earned_points: bool = False
    last_seen_at: datetime = Field(sa_column=utc_column())


class ReviewCard(SQLModel, table=True):
    """The spaced-review schedule of one missed question for one user (FSRS card as JSON)."""

    __table_args__ = (Index("ix_reviewcard_user_due", "user_id", "due_at"),)

    user_id: int = Field(sa_column=key_column("user.id", primary_key=True))
    question_id: str = Field(primary_key=True, max_length=32)
    card: str = Field(max_length=1024)
    due_at: datetime = Field(sa_column=utc_column())


# -- teachers and classes ------------------------------------------------------------------------


class Teacher(SQLModel, table=True):
    """A user who redeemed a teacher invite; they may create classes and see their reports."""

    user_id: int = Field(sa_column=key_column("user.id", primary_key=True))
    since: datetime = Field(sa_column=utc_column())


class Invite(SQLModel, table=True):
    """A one-time teacher invite code; used when ``used_by`` is set (one conditional UPDATE decides)."""

    code: str = Field(primary_key=True, max_length=16)
    created_at: datetime = Field(sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    used_by: int | None = Field(default=None, sa_column=Column(BigKey, ForeignKey("user.id", ondelete="SET NULL")))
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class SchoolClass(SQLModel, table=True):
    """A class a teacher brought to the bot; students join it with its code."""

    __table_args__ = (Index("ix_schoolclass_teacher", "teacher_id"),)

    id: int | None = Field(default=None, sa_column=id_column())
    name: str = Field(max_length=32)
    code: str = Field(max_length=16, unique=True)
    teacher_id: int = Field(sa_column=key_column("user.id"))
    open: bool = True
    created_at: datetime = Field(sa_column=utc_column())


class Membership(SQLModel, table=True):
    """A student's one class; the roster name is seen only by the class's teachers (None until given)."""

    __table_args__ = (Index("ix_membership_class", "class_id"),)

    user_id: int = Field(sa_column=key_column("user.id", primary_key=True))
    class_id: int = Field(sa_column=key_column("schoolclass.id"))
    roster_name: str | None = Field(default=None, max_length=20)
    joined_at: datetime = Field(sa_column=utc_column())


class CodeAttempt(SQLModel, table=True):
    """A wrong teacher or class code; more than five in an hour refuse the next guesses."""

    __table_args__ = (Index("ix_codeattempt_user_at", "user_id", "at"),)

    id: int | None = Field(default=None, sa_column=id_column())
    user_id: int = Field(sa_column=key_column("user.id"))
    at: datetime = Field(sa_column=utc_column())


# -- standings: small tables kept in step with every answer, so boards are sums over few rows ------


class DailyStats(SQLModel, table=True):
    """One user's points and counts on one local day (the configured zone)."""

    # Covers "points per user since a day": everyone's weekly or monthly top reads this index only.
    __table_args__ = (Index("ix_dailystats_day", "day", "user_id", "points"),)

    user_id: int = Field(sa_column=key_column("user.id", primary_key=True))
    day: date = Field(primary_key=True)
    points: int = 0
    answered: int = 0
    correct: int = 0
    rounds: int = 0
    last_scored_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class UserStats(SQLModel, table=True):
    """One user's all-time points and counts."""

    __table_args__ = (Index("ix_userstats_points", "points"),)

    user_id: int = Field(sa_column=key_column("user.id", primary_key=True))
    points: int = 0
    answered: int = 0
    correct: int = 0
    rounds: int = 0
    last_scored_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_active_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


# -- reminders -----------------------------------------------------------------------------------


class Assignment(SQLModel, table=True):
    """A teacher's quiz for a class, due by a local day; members start it from a button."""

    __table_args__ = (Index("ix_assignment_class", "class_id"),)

    id: int | None = Field(default=None, sa_column=id_column())
    class_id: int = Field(sa_column=key_column("schoolclass.id"))
    theme: str | None = Field(default=None, max_length=16)
    size: int
    deadline: date
    created_at: datetime = Field(sa_column=utc_column())


class Delivery(SQLModel, table=True):
    """One reminder to one user: the key (reminder, occurrence, user) makes sending exactly-once at most."""

    __table_args__ = (
        UniqueConstraint("key", "occurrence", "user_id", name="uq_delivery_once"),
        Index("ix_delivery_status", "status", "updated_at"),
    )

    id: int | None = Field(default=None, sa_column=id_column())
    key: str = Field(max_length=48)
    occurrence: date
    user_id: int = Field(sa_column=key_column("user.id"))
    status: str = Field(max_length=16)  # sending | sent | retry | failed | blocked | unknown
    attempts: int = 0
    updated_at: datetime = Field(sa_column=utc_column())


class Lease(SQLModel, table=True):
    """Which process runs a singleton job (the reminder sender) until when."""

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_column=utc_column())


# -- class groups --------------------------------------------------------------------------------

RUNNING = text("status = 'running'")


class GroupChat(SQLModel, table=True):
    """A Telegram group the bot is in, and the class it is linked to."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    class_id: int | None = Field(
        default=None, sa_column=Column(BigKey, ForeignKey("schoolclass.id", ondelete="SET NULL"))
    )
    active: bool = True
    joined_at: datetime = Field(sa_column=utc_column())


class GroupQuiz(SQLModel, table=True):
    """A quiz of native quiz polls in a group; ``position`` counts the polls posted so far."""

    __table_args__ = (
        Index("uq_groupquiz_one_running", "chat_id", unique=True, sqlite_where=RUNNING, postgresql_where=RUNNING),
    )

    id: int | None = Field(default=None, sa_column=id_column())
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    theme: str | None = Field(default=None, max_length=16)
    size: int
    open_seconds: int
    status: str = Field(default="running", max_length=16)  # running | finished | stopped
    position: int = 0
    poll_closes_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    started_at: datetime = Field(sa_column=utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class GroupQuestion(SQLModel, table=True):
    """A question of a group quiz and, once posted, its poll (poll answers carry no chat id)."""

    group_quiz_id: int = Field(sa_column=key_column("groupquiz.id", primary_key=True))
    position: int = Field(primary_key=True)
    question_id: str = Field(max_length=32)
    shown_order: str = Field(max_length=6)
    poll_id: str | None = Field(default=None, max_length=64, unique=True)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    closes_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


# -- the teacher's web page ----------------------------------------------------------------------


class WebLogin(SQLModel, table=True):
    """A one-time sign-in link for a teacher's web page; only the token's SHA-256 is stored."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(sa_column=key_column("user.id"))
    expires_at: datetime = Field(sa_column=utc_column())
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
