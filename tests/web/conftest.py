"""A school on a real database, the web application over it, and a signed-in teacher."""

from __future__ import annotations

import random
from zoneinfo import ZoneInfo

import pytest

from bot.bank import load_bank
from bot.cli import web_app
from bot.config import Settings
from bot.services import Identity
from bot.tg.context import BotServices
from db.session import make_engine
from tests.factories import fill_class

TEACHER = Identity("telegram", "2")
OTHER_TEACHER = Identity("telegram", "3")


@pytest.fixture
def school(db_url):
    """Two teachers; the first has 初二(3)班 with three students (two played), the second 初二(4)班."""
    engine = make_engine(db_url)
    services = BotServices.build(engine, load_bank().questions, zone=ZoneInfo("Asia/Shanghai"), seed=3)
    for who in (TEACHER, OTHER_TEACHER):
        (code,) = services.classes.create_invites(None)
        services.classes.become_teacher(who, code)
    mine = services.classes.new_class(TEACHER, "初二(3)班")
    theirs = services.classes.new_class(OTHER_TEACHER, "初二(4)班")
    fill_class(services, mine.code, rng=random.Random(1))
    yield services, mine.code, theirs.code, db_url
    engine.dispose()


@pytest.fixture
def web(school):
    from starlette.testclient import TestClient

    services, _, _, db_url = school
    app = web_app(Settings(database_url=db_url), services.quiz.engine, load_bank().questions)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def signed_in(web, school):
    services = school[0]
    sign_in(web, services.logins.create_link_token(TEACHER))
    return web


def sign_in(web, token: str):
    """Open a sign-in link and press 登录, as a teacher does."""
    shown = web.get(f"/login/{token}")
    assert shown.status_code == 200 and 'action="/login"' in shown.text
    answer = web.post("/login", data={"token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/classes"
    return answer
