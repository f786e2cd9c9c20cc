"""End to end in a real headless Chromium (Debian's package, driven by Playwright): sign in, open a
class, switch periods, download the CSV, and watch the classroom screen change after an answer.

Screenshots at 1280x800 and 390x844 are saved under the test's temporary folder (and, when
JINDU_SHOTS names a folder, there too, for a person to look at).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from bot.bank import load_bank
from bot.cli import web_app
from bot.config import Settings
from bot.services import Identity
from tests.web.conftest import TEACHER

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if os.environ.get("JINDU_BROWSER") == "required" and not CHROMIUM:
    raise RuntimeError("JINDU_BROWSER=required but chromium is not installed (.ci/run installs Debian's chromium)")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture
def server(school):
    import uvicorn

    services, code, _, db_url = school
    if not db_url.endswith(".db"):
        pytest.skip("one browser run is enough: on SQLite")
    app = web_app(Settings(database_url=db_url), services.quiz.engine, load_bank().questions)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", services, code
    server.should_exit = True
    thread.join(5)


def shoot(page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    extra = os.environ.get("JINDU_SHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(folder / f"{name}.png", Path(extra) / f"{name}.png")


def test_a_teacher_in_a_real_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base, services, code = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for label, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
                page = context.new_page()
                errors = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.goto(f"{base}/login/{services.logins.create_link_token(TEACHER)}")
                page.get_by_role("button", name="登录").click()
                expect(page.get_by_role("heading", name="我的班级")).to_be_visible()
                shoot(page, tmp_path, f"classes-{label}")
                page.get_by_role("link", name="初二(3)班").click()
                expect(page.get_by_role("heading", name="初二(3)班")).to_be_visible()
                page.get_by_role("link", name="本月").click()
                expect(page).to_have_url(f"{base}/classes/{code}?period=month")
                expect(page.locator("img.chart")).to_have_js_property("complete", True)
                assert page.locator("img.chart").evaluate("img => img.naturalWidth") > 0
                shoot(page, tmp_path, f"class-{label}")
                with page.expect_download() as download:
                    page.get_by_role("link", name="下载成绩表 CSV（Excel / WPS）").click()
                assert download.value.path().read_bytes().startswith(b"\xef\xbb\xbf")
                assert not errors, errors  # the CSP lets the page's own script and styles through
                context.close()

            # the classroom screen changes by itself after an answer recorded through the services
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.goto(f"{base}/login/{services.logins.create_link_token(TEACHER)}")
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="我的班级")).to_be_visible()
            page.goto(f"{base}/classes/{code}/screen")
            expect(page.locator("#board li")).to_have_count(2)  # the two who played today
            player = Identity("telegram", "102")  # 张伟 had not played
            view = services.quiz.start_round(player, size=1)
            started = time.monotonic()
            services.quiz.answer(player, view.round_id, 0, view.answer_shown)
            expect(page.locator("#board li")).to_have_count(3, timeout=2000)
            took = time.monotonic() - started
            assert took < 2.0, took
            shoot(page, tmp_path, "screen-desktop")
            page.set_viewport_size({"width": 390, "height": 844})
            shoot(page, tmp_path, "screen-phone")
            assert "张伟" not in page.content()  # nicknames only on the big screen
            context.close()
        finally:
            browser.close()
    assert len(list(tmp_path.glob("*.png"))) == 6
