"""Fixtures for the in-process Telegram tests: real services on a SQLite file, a recording Bot API."""

from __future__ import annotations

import pytest

from bot.bank import load_bank
from bot.tg.context import BotServices
from tests.conftest import SHANGHAI
from tests.tg.harness import Harness

ADMIN = 5000  # the Telegram user id configured as admin in these tests


@pytest.fixture(scope="session")
def bank():
    bank = load_bank()
    assert bank.ok
    return bank.questions


@pytest.fixture
def services(engine, clock, bank) -> BotServices:
    return BotServices.build(engine, bank, zone=SHANGHAI, admins=frozenset({ADMIN}), clock=clock, seed=11)


@pytest.fixture
async def bot(services):
    async with Harness(services) as harness:
        yield harness
