"""Creating the database engine, with SQLite tuned for a bot (WAL, busy timeout, foreign keys)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, select

from db.models import SCHEMA_VERSION, Meta

BUSY_TIMEOUT_MS = 5000


def database_url(url_or_path: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (``jindu.db`` -> ``sqlite:///jindu.db``)."""
    if "://" in url_or_path:
        return url_or_path
    return f"sqlite:///{Path(url_or_path)}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    cursor.close()


def make_engine(url_or_path: str) -> Engine:
    """An engine for ``url_or_path``, with the tables created on first use."""
    url = database_url(url_or_path)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    init_db(engine)
    return engine


def init_db(engine: Engine) -> None:
    """Create missing tables and record the schema version (later versions migrate from it)."""
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        if session.get(Meta, "schema_version") is None:
            session.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
            session.commit()


def schema_version(engine: Engine) -> int:
    """The schema version recorded in the database."""
    with Session(engine) as session:
        row = session.exec(select(Meta).where(Meta.key == "schema_version")).one()
        return int(row.value)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
