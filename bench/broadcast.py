"""Benchmark: a reminder broadcast to 10,000 subscribers through a Bot API that enforces 30 messages/s.

    python bench/broadcast.py [--subscribers 10000] [--latency 0.1]

The real sender (`deliver_due`: lease, claims in batches, the paced rate limiter, records) sends
the 6·26 reminder at 2026-06-26 08:00 Shanghai to every subscriber, against the classroom
benchmark's stand-in Bot API (100 ms a call, 429 with retry_after 1 above 30 sendMessage a second).
Reported: the time against the floor of subscribers / 30 s, the 429s met, and that every
subscriber got exactly one message (also after a second run at the same moment).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram.ext import ExtBot

from bench.classroom import MESSAGES_PER_SECOND, StandInBotAPI
from bot.calendar_file import load_calendar
from bot.engine.calendar import DEFAULT_QUIET
from bot.services.reminders import ReminderService
from bot.tg.concurrency import MessageRateLimiter
from bot.tg.reminders import deliver_due
from db.session import make_engine

NOW = datetime(2026, 6, 26, 0, 5, tzinfo=UTC)  # 08:05 in Shanghai


async def run(subscribers: int, latency: float, folder: Path) -> None:
    engine = make_engine(str(folder / "broadcast.db"))
    with engine.begin() as c:
        c.exec_driver_sql(
            'INSERT INTO "user" (channel, external_id, nickname, blocked, reminders, created_at) '
            "VALUES (?, ?, ?, 0, 1, ?)",
            [
                ("telegram", str(20_000_000 + i), f"同学{i}", NOW.replace(tzinfo=None).isoformat(" "))
                for i in range(subscribers)
            ],
        )
    calendar = [e for e in load_calendar().entries if e.key == "international-day"]
    service = ReminderService(engine, calendar, zone=ZoneInfo("Asia/Shanghai"), quiet=DEFAULT_QUIET, clock=lambda: NOW)
    api = StandInBotAPI(latency=latency)
    bot = ExtBot("1:bench", rate_limiter=MessageRateLimiter(), request=api)

    async def in_thread(method, *a, **kw):
        return await asyncio.to_thread(method, *a, **kw)

    async with bot:
        started = time.monotonic()
        counts = await deliver_due(bot, service, run=in_thread)
        elapsed = time.monotonic() - started
        again = await deliver_due(bot, service, run=in_thread)
    per_chat = collections.Counter(c.params["chat_id"] for c in api.of("sendMessage"))
    floor = subscribers / MESSAGES_PER_SECOND
    print(
        f"{subscribers:,} subscribers: {elapsed:.1f} s = {elapsed / floor:.2f} x floor {floor:.1f} s; "
        f"429s {api.too_many}; outcomes {counts}; second run {again or 'nothing'}; "
        f"every subscriber exactly one: {len(per_chat) == subscribers and set(per_chat.values()) == {1}}"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.subscribers, args.latency, Path(tmp)))


if __name__ == "__main__":
    main()
