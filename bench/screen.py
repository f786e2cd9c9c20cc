"""Benchmark: how soon the classroom screen shows an answer while 40 students answer.

    python bench/screen.py [--students 40] [--rounds 3]

A real uvicorn server runs the teacher's web page on 127.0.0.1; one client holds the screen's
server-sent event stream open, as the projector's browser does. Forty students answer through the
services from 8 threads, one question after another at random moments; for every answer, the time
until the stream carries a board with its new points is recorded. Target: within 2 s.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import uvicorn

from bot.bank import load_bank
from bot.services import Identity
from bot.services.classes import ClassService
from bot.services.reports import ReportService
from bot.services.weblogin import WebLoginService
from bot.tg.context import BotServices
from bot.web.app import WebServices, create_app
from db.session import make_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(str(Path(tmp) / "screen.db"))
        questions = load_bank().questions
        services = BotServices.build(engine, questions, zone=ZoneInfo("Asia/Shanghai"), seed=1)
        teacher = Identity("telegram", "1")
        (code,) = services.classes.create_invites(None)
        services.classes.become_teacher(teacher, code)
        cls = services.classes.new_class(teacher, "初二(3)班")
        students = [Identity("telegram", str(1000 + i)) for i in range(args.students)]
        for who in students:
            services.classes.join(who, cls.code)
        reports = ReportService(engine, questions, zone=ZoneInfo("Asia/Shanghai"))
        app = create_app(WebServices(reports=reports, classes=ClassService(engine), logins=WebLoginService(engine)))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, timeout=30)
        client.post("/login", data={"token": services.logins.create_link_token(teacher)})
        seen: dict[str, int] = {}
        shown_at: dict[tuple[str, int], float] = {}
        stop = threading.Event()

        def watch() -> None:
            with client.stream("GET", f"/classes/{cls.code}/screen/events") as stream:
                for line in stream.iter_lines():
                    if stop.is_set():
                        return
                    if line.startswith("data: "):
                        now = time.monotonic()
                        for row in json.loads(line[6:]):
                            if seen.get(row["nickname"]) != row["points"]:
                                seen[row["nickname"]] = row["points"]
                                shown_at.setdefault((row["nickname"], row["points"]), now)

        threading.Thread(target=watch, daemon=True).start()
        nicknames = {who: services.accounts.profile(who).nickname for who in students}
        answered_at: list[tuple[str, int, float]] = []
        lock = threading.Lock()
        rng = random.Random(2)

        def play(who: Identity) -> None:
            today = 0  # the student's points today, as the screen will show them
            for _ in range(args.rounds):
                view = services.quiz.start_round(who, size=1)
                time.sleep(rng.random() * 2)
                outcome = services.quiz.answer(who, view.round_id, 0, view.answer_shown)
                if outcome.points:
                    today += outcome.points
                    with lock:
                        answered_at.append((nicknames[who], today, time.monotonic()))

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(play, students))
        time.sleep(2.5)
        stop.set()
        # a board that skipped a step (two answers within one refresh) shows the later total: count from it
        delays = sorted(
            min(at for (name, points), at in shown_at.items() if name == n and points >= p) - t
            for n, p, t in answered_at
            if any(name == n and points >= p for name, points in shown_at)
        )
        missing = len(answered_at) - len(delays)
        p95 = delays[int(0.95 * (len(delays) - 1))]
        print(
            f"{args.students} students, {len(answered_at)} scoring answers in {time.monotonic() - started:.1f} s: "
            f"screen shows them after p50 {statistics.median(delays):.2f} s, p95 {p95:.2f} s, "
            f"max {delays[-1]:.2f} s (target < 2 s); never shown: {missing}"
        )
        server.should_exit = True
        engine.dispose()


if __name__ == "__main__":
    main()
