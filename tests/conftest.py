"""Shared fixtures: a real SQLite file per test, a fake clock, a seeded service."""

from __future__ import annotations

import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.services import Identity, QuizService
from db.session import make_engine
from tests.factories import FakeClock, small_bank

FIXTURES = Path(__file__).parent / "fixtures"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "jindu-test.db"


@pytest.fixture
def engine(db_path: Path):
    engine = make_engine(str(db_path))
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
