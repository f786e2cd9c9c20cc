"""Class groups: the groups the bot is in (and their class), quiz-poll quizzes and their polls,
and a voter's round for each group quiz.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "groupquiz",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("open_seconds", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("poll_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("groupquiz", schema=None) as batch_op:
        batch_op.create_index(
            "uq_groupquiz_one_running",
            ["chat_id"],
            unique=True,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )

    op.create_table(
        "groupquestion",
        sa.Column("group_quiz_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("shown_order", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("poll_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["group_quiz_id"], ["groupquiz.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_quiz_id", "position"),
        sa.UniqueConstraint("poll_id"),
    )
    op.create_table(
        "groupchat",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("class_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["schoolclass.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("chat_id"),
    )
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("group_quiz_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_unique_constraint("uq_round_user_groupquiz", ["user_id", "group_quiz_id"])
        batch_op.create_foreign_key("fk_round_groupquiz", "groupquiz", ["group_quiz_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.drop_constraint("fk_round_groupquiz", type_="foreignkey")
        batch_op.drop_constraint("uq_round_user_groupquiz", type_="unique")
        batch_op.drop_column("group_quiz_id")

    op.drop_table("groupchat")
    op.drop_table("groupquestion")
    with op.batch_alter_table("groupquiz", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_groupquiz_one_running",
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )

    op.drop_table("groupquiz")
