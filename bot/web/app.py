"""The teacher's web page: class dashboard, report with chart, CSV, and the live classroom screen.

Starlette with Jinja2 templates, served by uvicorn; the only package that imports the web
framework. Pages call the same services as the bot. Sessions are signed cookies (HttpOnly,
SameSite=Lax, Secure over https, 12 hours); the one state-changing request (sign-out) is a POST
with a CSRF token; every answer carries a Content-Security-Policy without inline scripts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.engine.periods import BOARD_PERIODS, Period
from bot.services.classes import ClassService
from bot.services.common import Identity
from bot.services.errors import ClassNotFound, LinkInvalid, NotAllowed
from bot.services.reports import ReportService
from bot.services.weblogin import WebLoginService
from bot.web import texts

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SESSION_HOURS = 12
SCREEN_POLL_SECONDS = 1.0  # the screen checks for a changed board this often (an update shows within 2 s)
SCREEN_STREAM_SECONDS = 30 * 60  # one event stream's life; EventSource opens the next one

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a sign-in link never leaves in a Referer header
    "X-Frame-Options": "DENY",
}


@dataclass
class WebServices:
    """What the pages call."""

    reports: ReportService
    classes: ClassService
    logins: WebLoginService


def percent(value: float | None) -> str:
    """``0.756`` -> ``76%``; None -> ``—``."""
    return "—" if value is None else f"{100 * value:.0f}%"


def answer_text(question) -> str:
    """The right answer's option texts."""
    return "、".join(question.options[ord(letter) - 65] for letter in question.answer)


def create_app(services: WebServices, *, secure_cookies: bool = False) -> _SecurityHeaders:
    """The web application over ``services`` (cookies marked Secure when served over https)."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(t=texts, pct=percent, answer_text=answer_text)

    async def run(method, *args, **kwargs):
        return await asyncio.to_thread(method, *args, **kwargs)

    def page(request: Request, template: str, status: int = 200, **context) -> Response:
        context["csrf"] = request.session.get("csrf") if "user" in request.session else None
        return templates.TemplateResponse(request, template, context, status_code=status)

    def notice(request: Request, heading: str, text: str, status: int) -> Response:
        return page(request, "notice.html", status, heading=heading, text=text)

    def teacher(request: Request) -> Identity:
        """The signed-in teacher; a session older than 12 hours from sign-in is over (the cookie's own
        age restarts with every answer, so the sign-in time is kept inside it)."""
        user = request.session.get("user")
        if not user or time.time() - request.session.get("since", 0) > SESSION_HOURS * 3600:
            request.session.clear()
            raise HTTPException(401)
        return Identity(user[0], user[1])

    def period_of(request: Request) -> Period:
        raw = request.query_params.get("period", Period.WEEK.value)
        if raw not in {p.value for p in BOARD_PERIODS}:
            raise HTTPException(400, texts.BAD_PERIOD)
        return Period(raw)

    async def home(request: Request) -> Response:
        if "user" in request.session:
            return RedirectResponse("/classes", 303)
        return notice(request, texts.SIGN_IN_NEEDED, texts.SIGN_IN_HOW, 200)

    async def login_page(request: Request) -> Response:
        """Opening a link shows a button: a link preview (which only GETs) cannot use up the link."""
        return page(request, "login.html", token=request.path_params["token"])

    async def login(request: Request) -> Response:
        form = await request.form()
        try:
            who = await run(services.logins.sign_in, str(form.get("token", "")))
        except LinkInvalid:
            return notice(request, texts.LINK_INVALID, texts.LINK_INVALID_HOW, 410)
        request.session.clear()  # a new session: nothing from before carries over
        request.session.update(user=[who.channel, who.external_id], csrf=secrets.token_urlsafe(24), since=time.time())
        return RedirectResponse("/classes", 303)

    async def logout(request: Request) -> Response:
        form = await request.form()
        if not request.session.get("csrf") or not secrets.compare_digest(
            str(form.get("csrf", "")), request.session["csrf"]
        ):
            return notice(request, texts.FORBIDDEN, texts.SIGN_IN_HOW, 403)
        request.session.clear()
        return notice(request, texts.SIGNED_OUT, texts.SIGN_IN_HOW, 200)

    async def classes(request: Request) -> Response:
        summaries = await run(services.reports.summaries, teacher(request))
        return page(request, "classes.html", classes=summaries)

    async def class_page(request: Request) -> Response:
        who, code, period = teacher(request), request.path_params["code"], period_of(request)
        report = await run(services.reports.report, who, code, period)
        board = await run(services.reports.leaderboard, who, code, period)
        periods = BOARD_PERIODS
        return page(request, "class.html", report=report, board=board, code=code, period=period, periods=periods)

    async def chart(request: Request) -> Response:
        who, code, period = teacher(request), request.path_params["code"], period_of(request)
        report = await run(services.reports.report, who, code, period)
        from bot.charts import report_chart

        png = await run(report_chart, report)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=30"})

    async def export(request: Request) -> Response:
        name, data = await run(services.reports.export_csv, teacher(request), request.path_params["code"])
        filename = "class.csv"
        disposition = f"attachment; filename={filename}; filename*=UTF-8''{_quote(name)}.csv"
        return Response(data, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})

    async def student(request: Request) -> Response:
        who, code = teacher(request), request.path_params["code"]
        detail = await run(services.reports.student, who, code, request.path_params["user_id"])
        rounds = [
            texts.ROUND_LINE.format(
                when=at.astimezone(services.reports.zone).strftime("%m-%d %H:%M") if at else "",
                theme=theme.label if theme else texts.ALL_THEMES,
                right=right,
                answered=n,
                points=points,
            )
            for at, right, n, points, theme in detail.rounds
        ]
        return page(request, "student.html", s=detail, rounds=rounds, code=code)

    async def screen(request: Request) -> Response:
        who, code = teacher(request), request.path_params["code"]
        board = await run(services.reports.leaderboard, who, code, Period.DAY)
        rows = [r for r in board.rows if r.points > 0]
        return page(request, "screen.html", name=board.class_name, code=code, rows=rows)

    async def screen_events(request: Request) -> Response:
        who, code = teacher(request), request.path_params["code"]
        await run(services.reports.leaderboard, who, code, Period.DAY)  # 404 before the stream starts

        async def stream() -> AsyncIterator[str]:
            last, ends = None, time.monotonic() + SCREEN_STREAM_SECONDS  # the browser reconnects by itself
            since = request.session.get("since", 0)
            while not await request.is_disconnected() and time.monotonic() < ends:
                if time.time() - since > SESSION_HOURS * 3600:
                    return
                board = await run(services.reports.leaderboard, who, code, Period.DAY)
                rows = [
                    {"place": r.place, "nickname": r.nickname, "points": r.points} for r in board.rows if r.points > 0
                ]
                data = json.dumps(rows, ensure_ascii=False)
                if data != last:  # nicknames only: never roster names on the big screen
                    last = data
                    yield f"event: board\ndata: {data}\n\n"
                await asyncio.sleep(SCREEN_POLL_SECONDS)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    async def not_found(request: Request, exc: Exception) -> Response:
        return notice(request, texts.NOT_FOUND, texts.NOT_FOUND_HOW, 404)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401:
            return notice(request, texts.SIGN_IN_NEEDED, texts.SIGN_IN_HOW, 401)
        if exc.status_code == 404:
            return await not_found(request, exc)
        if exc.status_code == 400:
            return notice(request, str(exc.detail), texts.NOT_FOUND_HOW, 400)
        return notice(request, texts.ERROR, "", exc.status_code)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.error("web page error on %s: %r", _safe_path(request), exc, exc_info=exc)
        return notice(request, texts.ERROR, "", 500)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        request.session.clear()  # no longer a teacher: sign in again
        return notice(request, texts.SIGN_IN_NEEDED, texts.SIGN_IN_HOW, 403)

    routes = [
        Route("/", home),
        Route("/login/{token}", login_page),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/classes", classes),
        Route("/classes/{code}", class_page),
        Route("/classes/{code}/chart.png", chart),
        Route("/classes/{code}/export.csv", export),
        Route("/classes/{code}/students/{user_id:int}", student),
        Route("/classes/{code}/screen", screen),
        Route("/classes/{code}/screen/events", screen_events),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=services.logins.session_secret(),
            session_cookie="jindu_session",
            max_age=SESSION_HOURS * 3600,
            same_site="lax",
            https_only=secure_cookies,
        ),
    ]
    handlers = {
        HTTPException: http_error,
        ClassNotFound: not_found,
        NotAllowed: not_allowed,
        Exception: server_error,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    return _SecurityHeaders(app)  # outermost, so error pages carry the headers too


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _safe_path(request: Request) -> str:
    """The path for a log line, without a sign-in token."""
    path = request.url.path
    return "/login/<token>" if path.startswith("/login/") else path


class _SecurityHeaders:
    """Adds the security headers to every HTTP answer."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
