"""Exactly-once rules as constraints, 64-bit keys on PostgreSQL, Alembic replaces the version row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# (table, column) pairs that hold row ids; BIGINT on PostgreSQL (SQLite's INTEGER is 64-bit already).
KEYS = [
    ("user", "id"),
    ("round", "id"),
    ("round", "user_id"),
    ("roundquestion", "round_id"),
    ("answer", "id"),
    ("answer", "round_id"),
    ("answer", "user_id"),
    ("questionhistory", "user_id"),
    ("reviewcard", "user_id"),
]


def upgrade() -> None:
    # Data written by the released code under a race could break the new rules; mend it first.
    # 1. Only a user's newest active round stays active.
    op.execute(
        """
        UPDATE round SET status = 'abandoned'
        WHERE status = 'active'
          AND id < (SELECT max(r2.id) FROM round r2 WHERE r2.user_id = round.user_id AND r2.status = 'active')
        """
    )
    # 2. Only the first answer that earned points for a (user, question) keeps them.
    op.execute(
        """
        UPDATE answer SET points = 0
        WHERE points > 0
          AND id > (SELECT min(a2.id) FROM answer a2
                    WHERE a2.user_id = answer.user_id AND a2.question_id = answer.question_id AND a2.points > 0)
        """
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, column in KEYS:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False)
        for table in ("user", "round", "answer"):  # SERIAL made 32-bit sequences
            op.execute(f'ALTER SEQUENCE "{table}_id_seq" AS bigint')
    active, earned = sa.text("status = 'active'"), sa.text("points > 0")
    op.create_index(
        "uq_round_one_active", "round", ["user_id"], unique=True, sqlite_where=active, postgresql_where=active
    )
    op.create_index(
        "uq_answer_points_once",
        "answer",
        ["user_id", "question_id"],
        unique=True,
        sqlite_where=earned,
        postgresql_where=earned,
    )
    op.execute("DELETE FROM meta WHERE key = 'schema_version'")  # alembic_version is the record now


def downgrade() -> None:
    op.drop_index("uq_answer_points_once", table_name="answer")
    op.drop_index("uq_round_one_active", table_name="round")
    if op.get_bind().dialect.name == "postgresql":
        for table, column in KEYS:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
    op.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
