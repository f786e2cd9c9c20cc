"""Benchmark: the cost of one answer (its transaction) on SQLite and PostgreSQL, from 1 and 8 workers.

    python bench/storage.py [--answers 2000] [--db URL ...]

Each worker is a thread calling `QuizService.answer` for its own students (as the bot's database
threads do); every answer is one unit of work: the round read with its positions, the answer
inserted (ON CONFLICT), the history upserted, the review card where needed, commit. Without --db it
measures a new SQLite file, and PostgreSQL too when JINDU_TEST_POSTGRES_URL names a server (each
run in a new database there).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.bank import load_bank
from bot.services import Identity, QuizService
from db.session import make_engine, masked


def measure(url: str, answers: int, workers: int) -> float:
    """Answers per second with ``workers`` threads, on a fresh database at ``url``."""
    engine = make_engine(url)
    quiz = QuizService(engine, load_bank().questions, zone=ZoneInfo("Asia/Shanghai"))
    per_worker = answers // workers
    rounds = per_worker // 10
    plans = []
    for w in range(workers):
        mine = []
        for r in range(rounds):
            who = Identity("telegram", f"{w}-{r}")
            mine.append((who, quiz.start_round(who).round_id))
        plans.append(mine)
    barrier = threading.Barrier(workers + 1)

    def work(mine) -> None:
        barrier.wait()
        for position in range(10):
            for who, round_id in mine:
                quiz.answer(who, round_id, position, "A")

    threads = [threading.Thread(target=work, args=(mine,)) for mine in plans]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return workers * rounds * 10 / elapsed


def fresh_postgres(base: str, name: str) -> str:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--db", nargs="*", help="database URLs (default: SQLite, and PostgreSQL if configured)")
    args = parser.parse_args()
    pg = os.environ.get("JINDU_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 8):
            targets = args.db or [f"sqlite:///{tmp}/w{workers}.db"] + ([pg] if pg else [])
            for url in targets:
                run_url = fresh_postgres(url, f"jindu_bench_{workers}") if url.startswith("postgresql") else url
                rate = measure(run_url, args.answers, workers)
                print(f"{masked(url).split('://')[0]:>20} {workers} worker(s): {rate:,.0f} answers/s")


if __name__ == "__main__":
    main()
