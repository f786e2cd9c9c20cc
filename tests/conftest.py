"""Shared fixtures: a real database per test (a SQLite file, and PostgreSQL where it runs), a fake clock."""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.services import Identity, QuizService
from db.session import make_engine
from tests.factories import FakeClock, small_bank

FIXTURES = Path(__file__).parent / "fixtures"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# `.ci/run` starts a PostgreSQL server and sets this; then every test that takes `engine` runs on both.
PG_URL = os.environ.get("JINDU_TEST_POSTGRES_URL")
if os.environ.get("JINDU_PG") == "required" and not PG_URL:
    raise RuntimeError("JINDU_PG=required but JINDU_TEST_POSTGRES_URL is not set (start it with .ci/postgres)")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]
TEMPLATE = f"jindu_tpl_{os.getpid()}"
_numbers = itertools.count(1)


def _admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template():
    """A database migrated to head once; each test copies it (CREATE DATABASE ... TEMPLATE)."""
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    make_engine(make_url(PG_URL).set(database=TEMPLATE).render_as_string(hide_password=False)).dispose()
    yield TEMPLATE
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "jindu-test.db"


@pytest.fixture(params=BACKENDS)
def db_url(request, db_path: Path):
    """The URL of an empty, migrated database of each backend under test."""
    if request.param == "sqlite":
        yield str(db_path)
        return
    template = request.getfixturevalue("pg_template")
    name = f"jindu_t{os.getpid()}_{next(_numbers)}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(engine, clock) -> QuizService:
    return QuizService(engine, small_bank(), zone=SHANGHAI, clock=clock, rng=random.Random(7))


@pytest.fixture
def alice() -> Identity:
    return Identity("console", "alice", display_name="alice")


@pytest.fixture
def bob() -> Identity:
    return Identity("console", "bob", display_name="bob")
