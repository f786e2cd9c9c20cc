"""Alembic, run from inside the package: upgrade at start, adopt a database made before migrations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used: a start on an up-to-date database (the common case) needs
# only the one-query check in `upgrade`, and `jindu console` shows its first question sooner.
MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0006"  # the newest revision; a test keeps it equal to the migrations' head
RELEASED = "0001"  # the schema `create_all` made before migrations; such a database is adopted at it
RELEASED_TABLES = {"meta", "user", "round", "roundquestion", "answer", "questionhistory", "reviewcard"}
PG_LOCK = 4_126_170_001  # advisory lock id: one process migrates at a time


class SchemaError(RuntimeError):
    """The database's schema is not one this code knows how to upgrade; nothing was changed."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration with the packaged migrations (and the connection to use)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The database's revision; None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to the newest revision; returns (revision before, revision after).

    A database made by the release before migrations (its tables and ``schema_version`` 1, no
    ``alembic_version``) is stamped at that revision first, then upgraded.

    Raises:
        SchemaError: the database is newer than this code, or holds tables this code did not make.
    """
    if _recorded(engine) == HEAD:  # the common case at every start: one small query, no script loading
        return HEAD, HEAD
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    newest = scripts.get_current_head()
    with engine.connect().execution_options(jindu_begin="IMMEDIATE") as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # batch mode copies tables: with foreign keys on, dropping the old copy would cascade
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                before = _migrate(connection, scripts, newest)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise SchemaError("迁移后外键检查未通过，已回滚，数据库未改变。")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    return before, newest


def _migrate(connection: Connection, scripts, newest: str) -> str | None:
    """Under the migration lock: adopt or check the recorded revision, then upgrade to head."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": PG_LOCK})
    before = MigrationContext.configure(connection).get_current_revision()  # again, under the lock
    if before is None:
        before = _adopt_released(connection)
    elif before not in {s.revision for s in scripts.walk_revisions()}:
        raise SchemaError(
            f"数据库的结构版本 {before} 比本程序新（本程序最高 {newest}）：请升级 jindu-quiz，不要用旧版本打开它。"
        )
    command.upgrade(alembic_config(connection), "head")
    return before


def _recorded(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no such table yet
        return None


def _adopt_released(connection: Connection) -> str | None:
    from alembic import command

    tables = set(inspect(connection).get_table_names())
    if not tables:
        return None
    if tables == RELEASED_TABLES:
        version = connection.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
        if version == "1":
            command.stamp(alembic_config(connection), RELEASED)
            return RELEASED
    raise SchemaError(
        "数据库里已有表，但不是 jindu-quiz 建立的结构（没有 alembic_version 记录）："
        "请换一个数据库，或检查 JINDU_DATABASE_URL。"
    )
