"""Teachers, invites, classes and memberships; daily and all-time standings, filled from past answers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codeattempt",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("codeattempt", schema=None) as batch_op:
        batch_op.create_index("ix_codeattempt_user_at", ["user_id", "at"], unique=False)

    op.create_table(
        "dailystats",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("last_scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "day"),
    )
    with op.batch_alter_table("dailystats", schema=None) as batch_op:
        batch_op.create_index("ix_dailystats_day", ["day", "user_id", "points"], unique=False)

    op.create_table(
        "invite",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["used_by"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "schoolclass",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("teacher_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["teacher_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("schoolclass", schema=None) as batch_op:
        batch_op.create_index("ix_schoolclass_teacher", ["teacher_id"], unique=False)

    op.create_table(
        "teacher",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "userstats",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("last_scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("userstats", schema=None) as batch_op:
        batch_op.create_index("ix_userstats_points", ["points"], unique=False)

    op.create_table(
        "membership",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("class_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("roster_name", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["schoolclass.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index("ix_membership_class", ["class_id"], unique=False)
    op.create_index("ix_answer_user_time", "answer", ["user_id", "answered_at"], unique=False)
    _fill_standings()


def _fill_standings() -> None:
    """Sum the answers and finished rounds already stored into the new standings tables.

    Days are local days in the configured zone (JINDU_TIMEZONE, as the bot reads it).
    """
    bind = op.get_bind()
    zone = ZoneInfo(os.environ.get("JINDU_TIMEZONE", "Asia/Shanghai"))
    daily: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, 0, None])  # points, answered, correct, rounds, scored
    totals: dict[int, list] = defaultdict(lambda: [0, 0, 0, 0, None, None])  # ... + last active

    def local(moment):
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment, moment.astimezone(zone).date()

    when = sa.DateTime(timezone=True)
    answers = sa.text(  # quiz rounds only: review answers are practice, as the live answer path counts them
        "SELECT a.user_id, a.answered_at, a.points, a.correct FROM answer a "
        "JOIN round r ON r.id = a.round_id WHERE r.mode = 'quiz'"
    ).columns(answered_at=when)
    for user_id, at, points, correct in bind.execute(answers):
        at, day = local(at)
        for row in (daily[(user_id, day)], totals[user_id]):
            row[0] += points
            row[1] += 1
            row[2] += int(bool(correct))
            if points > 0 and (row[4] is None or at > row[4]):
                row[4] = at
        if totals[user_id][5] is None or at > totals[user_id][5]:
            totals[user_id][5] = at
    finished = "SELECT user_id, finished_at FROM round WHERE status = 'finished' AND mode = 'quiz'"
    for user_id, at in bind.execute(sa.text(finished).columns(finished_at=when)):
        if at is not None:
            daily[(user_id, local(at)[1])][3] += 1
            totals[user_id][3] += 1

    def typed(name: str) -> sa.ColumnClause:
        kind = {"day": sa.Date(), "last_scored_at": when, "last_active_at": when}.get(name, sa.Integer())
        return sa.column(name, kind)

    counts = ("points", "answered", "correct", "rounds", "last_scored_at")
    daily_table = sa.table("dailystats", *(typed(c) for c in ("user_id", "day", *counts)))
    totals_table = sa.table("userstats", *(typed(c) for c in ("user_id", *counts, "last_active_at")))
    if daily:
        op.bulk_insert(
            daily_table,
            [
                dict(
                    zip(("points", "answered", "correct", "rounds", "last_scored_at"), v, strict=True),
                    user_id=k[0],
                    day=k[1],
                )
                for k, v in daily.items()
            ],
        )
    if totals:
        columns = ("points", "answered", "correct", "rounds", "last_scored_at", "last_active_at")
        op.bulk_insert(totals_table, [dict(zip(columns, v, strict=True), user_id=k) for k, v in totals.items()])


def downgrade() -> None:
    op.drop_index("ix_answer_user_time", table_name="answer")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_class")

    op.drop_table("membership")
    with op.batch_alter_table("userstats", schema=None) as batch_op:
        batch_op.drop_index("ix_userstats_points")

    op.drop_table("userstats")
    op.drop_table("teacher")
    with op.batch_alter_table("schoolclass", schema=None) as batch_op:
        batch_op.drop_index("ix_schoolclass_teacher")

    op.drop_table("schoolclass")
    op.drop_table("invite")
    with op.batch_alter_table("dailystats", schema=None) as batch_op:
        batch_op.drop_index("ix_dailystats_day")

    op.drop_table("dailystats")
    with op.batch_alter_table("codeattempt", schema=None) as batch_op:
        batch_op.drop_index("ix_codeattempt_user_at")

    op.drop_table("codeattempt")
