"""Benchmark: leaderboards and reports over a large school district.

    python bench/classes.py [--scale 1.0] [--db URL] [--keep]

Generates 100,000 students in 3,000 classes with 5,000,000 answers (times --scale): each student
plays five rounds of ten on random days of the last 120, with the standings tables filled as the
answer path fills them. Then it times, for each period (week, month, all), through the services:
a class leaderboard (target < 20 ms), a class report (< 50 ms) and the overall top 10 (< 100 ms),
as the median over 30 random classes. Without --db it uses a new SQLite file; with
JINDU_TEST_POSTGRES_URL set, `--db postgres` makes a fresh PostgreSQL database there.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.bank import load_bank
from bot.engine.periods import Period, new_code
from bot.services.reports import ReportService
from db.session import make_engine

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # a Friday, 12:00 in Shanghai
DAYS, ROUNDS, PER_ROUND = 120, 5, 10
CHUNK = 50_000


def generate(engine, students: int, classes: int, seed: int = 7) -> list[str]:
    """Fill the database; returns the class codes."""
    rng = random.Random(seed)
    questions = load_bank().questions
    points = {1: 10, 2: 15, 3: 20}
    codes = sorted({new_code(rng) for _ in range(classes * 2)})[:classes]
    with engine.begin() as c:
        teacher_rows = [("telegram", f"t{i}", f"老师{i}", False, NOW) for i in range(classes)]
        student_rows = [("telegram", str(10_000_000 + i), f"同学{i}", False, NOW) for i in range(students)]
        insert_user = 'INSERT INTO "user" (channel, external_id, nickname, blocked, created_at) VALUES (?, ?, ?, ?, ?)'
        _many(c, insert_user, teacher_rows + student_rows)
        first = c.exec_driver_sql('SELECT min(id) FROM "user"').scalar()
        _many(
            c,
            "INSERT INTO schoolclass (name, code, teacher_id, open, created_at) VALUES (?, ?, ?, ?, ?)",
            [(f"班级{i}", codes[i], first + i, True, NOW) for i in range(classes)],
        )
        class_first = c.exec_driver_sql("SELECT min(id) FROM schoolclass").scalar()
        _many(c, "INSERT INTO teacher (user_id, since) VALUES (?, ?)", [(first + i, NOW) for i in range(classes)])
        _many(
            c,
            "INSERT INTO membership (user_id, class_id, roster_name, joined_at) VALUES (?, ?, ?, ?)",
            [(first + classes + i, class_first + i % classes, f"学生{i}", NOW) for i in range(students)],
        )
    round_id = 0
    rounds, answers, daily, totals = [], [], {}, {}
    earned: set[tuple[int, str]] = set()
    with engine.begin() as c:
        for s in range(students):
            user = first + classes + s
            for _ in range(ROUNDS):
                round_id += 1
                day_offset = rng.randrange(DAYS)
                start = NOW - timedelta(days=day_offset, minutes=rng.randrange(600))
                rounds.append((round_id, user, None, None, PER_ROUND, "quiz", "finished", start, start))
                local = start.astimezone(ZONE).date()
                stats = daily.setdefault((user, local), [0, 0, 0, 0, None])
                total = totals.setdefault(user, [0, 0, 0, 0, None, None])
                for position, q in enumerate(rng.sample(questions, PER_ROUND)):
                    correct = rng.random() < 0.7
                    gained = points[q.difficulty] if correct and (user, q.id) not in earned else 0
                    if gained:
                        earned.add((user, q.id))
                    at = start + timedelta(seconds=10 * position)
                    answers.append((round_id, position, user, q.id, q.theme.value, q.answer, correct, gained, at))
                    for row in (stats, total):
                        row[0] += gained
                        row[1] += 1
                        row[2] += correct
                        if gained:
                            row[4] = at if row[4] is None or at > row[4] else row[4]
                    total[5] = at if total[5] is None or at > total[5] else total[5]
                stats[3] += 1
                total[3] += 1
            if len(answers) >= CHUNK:
                _flush(c, rounds, answers)
        _flush(c, rounds, answers)
        _many(
            c,
            "INSERT INTO dailystats (user_id, day, points, answered, correct, rounds, last_scored_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(u, d, *v) for (u, d), v in daily.items()],
        )
        _many(
            c,
            "INSERT INTO userstats (user_id, points, answered, correct, rounds, last_scored_at, last_active_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(u, *v) for u, v in totals.items()],
        )
        c.exec_driver_sql("ANALYZE")  # fresh statistics for the planner, as a running database has
    return codes


def _flush(c, rounds: list, answers: list) -> None:
    _many(
        c,
        "INSERT INTO round (id, user_id, theme, grade, size, mode, status, started_at, finished_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rounds,
    )
    _many(
        c,
        "INSERT INTO answer (round_id, position, user_id, question_id, theme, chosen, correct, points, answered_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        answers,
    )
    rounds.clear()
    answers.clear()


def _many(c, sql: str, rows: list) -> None:
    if c.dialect.name == "postgresql":
        sql = sql.replace("?", "%s")
    else:  # SQLite stores times as SQLAlchemy does: naive UTC text
        rows = [tuple(v.replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime) else v for v in r) for r in rows]
    c.exec_driver_sql(sql, rows) if rows else None


def timed(call, repeats: list) -> float:
    """Median milliseconds of ``call`` over ``repeats``."""
    times = []
    for item in repeats:
        started = time.perf_counter()
        call(item)
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", help="a database URL, or 'postgres' for a fresh one at JINDU_TEST_POSTGRES_URL")
    args = parser.parse_args()
    students, classes = int(100_000 * args.scale), max(1, int(3_000 * args.scale))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or str(Path(tmp) / "district.db")
        if url == "postgres":
            base = os.environ["JINDU_TEST_POSTGRES_URL"]
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text("DROP DATABASE IF EXISTS jindu_district WITH (FORCE)"))
                c.execute(text("CREATE DATABASE jindu_district"))
            url = make_url(base).set(database="jindu_district").render_as_string(hide_password=False)
        engine = make_engine(url)
        started = time.perf_counter()
        codes = generate(engine, students, classes)
        with engine.connect() as c:
            count = c.exec_driver_sql("SELECT count(*) FROM answer").scalar()
        print(
            f"{engine.dialect.name}: {students:,} students, {classes:,} classes, {count:,} answers "
            f"generated in {time.perf_counter() - started:.0f} s"
        )
        reports = ReportService(engine, load_bank().questions, zone=ZONE, clock=lambda: NOW)
        sample = random.Random(1).sample(codes, min(30, len(codes)))
        for period in Period:
            board = timed(lambda code, p=period: reports.leaderboard(None, code, p), sample)
            report = timed(lambda code, p=period: reports.report(None, code, p), sample)
            top = timed(lambda _code, p=period: reports.overall(p), sample[:10])
            print(
                f"  {period.value:>5}: class leaderboard {board:6.1f} ms (< 20)   class report {report:6.1f} ms (< 50)"
                f"   overall top 10 {top:6.1f} ms (< 100)"
            )
        web_page_timings(engine, sample)
        engine.dispose()


def web_page_timings(engine, codes: list[str]) -> None:
    """The class page of the teacher's web page (server time, through the app) and its chart."""
    from starlette.testclient import TestClient

    from bot.services import Identity
    from bot.services.classes import ClassService
    from bot.services.weblogin import WebLoginService
    from bot.web.app import WebServices, create_app

    reports = ReportService(engine, load_bank().questions, zone=ZONE, clock=lambda: NOW)
    logins = WebLoginService(engine, clock=lambda: NOW)
    app = create_app(WebServices(reports=reports, classes=ClassService(engine), logins=logins))
    pages, charts = [], []
    with TestClient(app) as client:
        for code in codes[:10]:
            with engine.connect() as c:
                query = 'SELECT u.external_id FROM schoolclass s JOIN "user" u ON u.id = s.teacher_id WHERE s.code = ?'
                if c.dialect.name == "postgresql":
                    query = query.replace("?", "%s")
                teacher = c.exec_driver_sql(query, (code,)).scalar()
            client.cookies.clear()
            client.post("/login", data={"token": logins.create_link_token(Identity("telegram", teacher))})
            started = time.perf_counter()
            assert client.get(f"/classes/{code}?period=week").status_code == 200
            pages.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            assert client.get(f"/classes/{code}/chart.png?period=week").status_code == 200
            charts.append(1000 * (time.perf_counter() - started))
    print(f"  web: class page {statistics.median(pages):.1f} ms (< 100), its chart {statistics.median(charts):.1f} ms")


if __name__ == "__main__":
    main()
