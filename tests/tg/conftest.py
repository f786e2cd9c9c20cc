"""Fixtures for the in-process Telegram tests: real services on a SQLite file, a recording Bot API."""

from __future__ import annotations

import random

import pytest

from bot.bank import load_bank
from bot.services import AccountService, QuizService
from bot.tg.context import BotServices
from tests.conftest import SHANGHAI
from tests.tg.harness import Harness


@pytest.fixture(scope="session")
def bank():
    bank = load_bank()
    assert bank.ok
    return bank.questions


@pytest.fixture
def services(engine, clock, bank) -> BotServices:
    return BotServices(
        quiz=QuizService(engine, bank, zone=SHANGHAI, clock=clock, rng=random.Random(11)),
        accounts=AccountService(engine, clock=clock, rng=random.Random(12)),
    )


@pytest.fixture
async def bot(services):
    async with Harness(services) as harness:
        yield harness
