"""The database engine and units of work.

SQLite is tuned for a bot (WAL, busy timeout, foreign keys) and follows SQLAlchemy's documented
pysqlite recipe for transactions: the driver's own BEGIN handling is switched off and SQLAlchemy
emits it, so a writing unit of work starts with ``BEGIN IMMEDIATE`` and holds the write lock from
its first statement. Two writers then queue at BEGIN (where the busy timeout applies) instead of
both reading and one failing to upgrade its lock halfway through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import Session, create_engine

BUSY_TIMEOUT_MS = 5000
POOL_SIZE = 8  # matches the Telegram adapter's worker threads
_BEGIN = "jindu_begin"  # execution option read by the SQLite begin hook


class DatabaseUrlError(ValueError):
    """The database URL cannot be used; the message names it with the password masked."""


class DatabaseUnavailable(RuntimeError):
    """The database did not answer; the message names it with the password masked."""


class DatabaseBusy(RuntimeError):
    """Another writer held the database longer than the busy timeout; nothing was changed."""


def database_url(url_or_path: str) -> str:
    """Accept a SQLAlchemy URL or a plain file path (``jindu.db`` -> ``sqlite:///jindu.db``)."""
    if "://" in url_or_path:
        return url_or_path
    return f"sqlite:///{Path(url_or_path)}"


def masked(url_or_path: str) -> str:
    """The URL as it may be shown or logged: the password replaced by ``***``."""
    try:
        return make_url(database_url(url_or_path)).render_as_string(hide_password=True)
    except ArgumentError:
        return "<不可解析的地址>"


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, begins transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql(f"BEGIN {connection.get_execution_options().get(_BEGIN, 'DEFERRED')}")


def create_db_engine(url_or_path: str) -> Engine:
    """An engine for ``url_or_path`` that has answered once, without touching the schema.

    Raises:
        DatabaseUrlError: the URL does not parse or names a driver that is not installed.
        DatabaseUnavailable: the server or file cannot be reached.
    """
    url = database_url(url_or_path)
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(
                parsed,
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                pool_size=POOL_SIZE,
                hide_parameters=True,  # error texts must not carry ids or names into the log
            )
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=POOL_SIZE, hide_parameters=True)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseUrlError(f"数据库地址无效 {masked(url)}：{_reason(exc)}") from None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"无法连接数据库 {masked(url)}：{_reason(exc)}") from None
    return engine


def make_engine(url_or_path: str) -> Engine:
    """An engine for ``url_or_path`` with the schema brought to the newest revision."""
    from db.migrate import upgrade  # the migrations import the models; keep plain engine use light

    engine = create_db_engine(url_or_path)
    upgrade(engine)
    return engine


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return first


def _is_busy(exc: OperationalError) -> bool:
    """SQLite's lock timeout, or PostgreSQL's deadlock / serialization failure: the work can simply be redone."""
    if getattr(exc.orig, "sqlstate", None) in ("40P01", "40001"):
        return True
    return "database is locked" in str(exc.orig) or "database is busy" in str(exc.orig)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One writing unit of work: it holds the write lock from its start, commits on success, rolls back on error.

    Raises:
        DatabaseBusy: another writer kept the lock past the busy timeout (nothing was changed).
    """
    with _scope(engine, "IMMEDIATE") as session:
        yield session


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A reading unit of work: it takes no write lock, so it never waits for writers (WAL)."""
    with _scope(engine, "DEFERRED") as session:
        yield session


@contextmanager
def _scope(engine: Engine, begin: str) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            session.connection(execution_options={_BEGIN: begin})  # SQLite: BEGIN <begin> here
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            if _is_busy(exc):
                raise DatabaseBusy("the database stayed locked by another writer") from exc
            raise
        except Exception:
            session.rollback()
            raise


def backup_sqlite(engine: Engine, target: Path) -> int:
    """Copy the SQLite database behind ``engine`` to ``target`` with the online backup API; returns pages."""
    import sqlite3

    with engine.connect() as connection:
        source = connection.connection.driver_connection
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
            return destination.execute("PRAGMA page_count").fetchone()[0]
        finally:
            destination.close()
