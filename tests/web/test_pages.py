"""Every page of the teacher's web page, and every refusal, through Starlette's test client."""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta

import pytest

from bot.services import Identity
from bot.services.errors import LinkInvalid, NotAllowed
from bot.services.weblogin import WebLoginService
from tests.web.conftest import TEACHER, sign_in


def test_signing_in_is_one_time_and_the_cookie_is_safe(web, school):
    services = school[0]
    token = services.logins.create_link_token(TEACHER)
    assert web.get(f"/login/{token}").status_code == 200  # a link preview only GETs: the link stays unused
    first = sign_in(web, token)
    cookie = first.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "Max-Age=43200" in cookie  # 12 hours
    web.cookies.clear()
    again = web.post("/login", data={"token": token})
    assert again.status_code == 410 and "这个登录链接无效或已过期" in again.text
    assert web.post("/login", data={"token": "not-a-real-token-at-all"}).status_code == 410


def test_a_session_ends_12_hours_after_sign_in_whatever_the_cookie_says(signed_in, monkeypatch):
    import bot.web.app as web_module

    assert signed_in.get("/classes").status_code == 200
    real = web_module.time.time
    monkeypatch.setattr(web_module.time, "time", lambda: real() + 12 * 3600 + 1)
    assert signed_in.get("/classes").status_code == 401


def test_an_expired_link_fails_and_a_student_gets_no_link(school):
    services = school[0]
    start = services.logins.clock()
    token = WebLoginService(services.logins.engine, clock=lambda: start).create_link_token(TEACHER)
    later = WebLoginService(services.logins.engine, clock=lambda: start + timedelta(minutes=11))
    with pytest.raises(LinkInvalid):
        later.sign_in(token)
    with pytest.raises(NotAllowed):
        services.logins.create_link_token(Identity("telegram", "100"))


def test_pages_of_a_signed_in_teacher(signed_in, school):
    _, code, _, _ = school
    listing = signed_in.get("/classes")
    assert listing.status_code == 200 and "初二(3)班" in listing.text and "初二(4)班" not in listing.text
    page = signed_in.get(f"/classes/{code}")
    assert page.status_code == 200
    for words in ("王小明", "李华", "张伟", "参与率", "各主题正确率", "错得最多的题", "课堂大屏", "下载成绩表"):
        assert words in page.text, words
    assert signed_in.get(f"/classes/{code}?period=month").status_code == 200
    assert signed_in.get(f"/classes/{code}?period=all").status_code == 200
    chart = signed_in.get(f"/classes/{code}/chart.png?period=all")
    assert chart.status_code == 200 and chart.content.startswith(b"\x89PNG")
    export = signed_in.get(f"/classes/{code}/export.csv")
    assert export.content.startswith(b"\xef\xbb\xbf") and "attachment" in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 4
    student = next(link for link in page.text.split('"') if link.startswith(f"/classes/{code}/students/"))
    detail = signed_in.get(student)
    assert detail.status_code == 200 and "最近完成的轮次" in detail.text
    screen = signed_in.get(f"/classes/{code}/screen")
    assert screen.status_code == 200 and "今天的排行榜" in screen.text
    assert "王小明" not in screen.text and "李华" not in screen.text  # nicknames only on the big screen


def test_security_headers_and_no_inline_script(signed_in, school):
    page = signed_in.get(f"/classes/{school[1]}")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and "onclick" not in page.text
    screen = signed_in.get(f"/classes/{school[1]}/screen")
    assert '<script src="/static/screen.js"></script>' in screen.text


def test_refusals(web, signed_in, school):
    _, code, theirs, _ = school
    assert signed_in.get(f"/classes/{theirs}").status_code == 404  # another teacher's class ...
    assert signed_in.get("/classes/NOSUCH99").status_code == 404  # ... answers like a missing one
    assert signed_in.get(f"/classes/{theirs}/export.csv").status_code == 404
    assert signed_in.get(f"/classes/{code}/students/999999").status_code == 404
    assert signed_in.get(f"/classes/{code}/students/{10**30}").status_code == 404  # beyond any integer column
    bad = signed_in.get(f"/classes/{code}?period=year")
    assert bad.status_code == 400 and "Traceback" not in bad.text
    assert signed_in.get("/no/such/page").status_code == 404


def test_a_tampered_cookie_or_none_is_signed_out(web, school):
    code = school[1]
    assert web.get(f"/classes/{code}").status_code == 401
    web.cookies.set("jindu_session", "eyJ1c2VyIjogWyJ0ZWxlZ3JhbSIsICIyIl19.forged.signature")
    answer = web.get(f"/classes/{code}")
    assert answer.status_code == 401 and "请先登录" in answer.text


def test_sign_out_is_a_post_with_csrf(signed_in):
    assert signed_in.get("/logout").status_code == 405
    forged = signed_in.post("/logout", data={"csrf": "guess"})
    assert forged.status_code == 403 and signed_in.get("/classes").status_code == 200
    token = signed_in.get("/classes").text.split('name="csrf" value="')[1].split('"')[0]
    assert signed_in.post("/logout", data={"csrf": token}).status_code == 200
    assert signed_in.get("/classes").status_code == 401


def test_no_sign_in_link_or_roster_name_in_logs(web, school, caplog):
    services, code, _, _ = school
    token = services.logins.create_link_token(TEACHER)
    caplog.set_level(logging.DEBUG, logger="httpx")  # the client side logs URLs: proof the capture works
    with caplog.at_level(logging.DEBUG):
        web.get(f"/login/{token}")
        web.post("/login", data={"token": token})
        web.get(f"/classes/{code}")
        web.get(f"/classes/{code}/export.csv")
    # the server's own records (the test client's httpx logger is the browser's side, not ours)
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert any(r.name.startswith("httpx") and token in r.getMessage() for r in caplog.records)  # it would show
    assert token not in logged and "王小明" not in logged


def test_a_server_error_is_a_page_with_the_security_headers_and_no_traceback(school, monkeypatch):
    from starlette.testclient import TestClient

    from bot.bank import load_bank
    from bot.cli import web_app
    from bot.config import Settings

    services, _, _, db_url = school
    app = web_app(Settings(database_url=db_url), services.quiz.engine, load_bank().questions)
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, services.logins.create_link_token(TEACHER))
        from bot.services.reports import ReportService

        monkeypatch.setattr(ReportService, "summaries", lambda *a, **k: 1 / 0)
        broken = client.get("/classes")
    assert broken.status_code == 500 and "出错了" in broken.text and "Traceback" not in broken.text
    assert "frame-ancestors 'none'" in broken.headers["content-security-policy"]
