"""Benchmark: a whole class answering at once, against a slow Bot API that enforces 30 messages/s.

    python bench/classroom.py [--students 40] [--questions 10] [--latency 0.1] [--db URL]

The real Application runs as `jindu run` builds it (per-user update processor, database threads,
the paced rate limiter), started with `app.start()`; updates go into its update queue as polling
puts them. The Bot API is a stand-in in the same process: every call takes `--latency` seconds,
and it answers 429 (retry_after 1) when more than 30 sendMessage calls arrive within one second.

Each student presses an answer as soon as their question appears. Reported: press-to-feedback
(the edit with the explanation answered) p50 and p95, the whole class's time against the floor of
students x questions / 30 s (one new message per answer), the 429s met, and that every answer was
stored exactly once. Targets at 40 students: p95 <= 1.5 s, whole class <= 2.5 x floor, no 429, no
lost answer.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlmodel import Session
from telegram import Update
from telegram.request import RequestData

from bot.bank import load_bank
from bot.engine.model import Theme
from bot.services import Identity
from bot.tg import keyboards, texts
from bot.tg.app import build_application
from bot.tg.context import BotServices
from db.models import Answer
from db.session import make_engine
from tests.tg.recorder import RecordingRequest

MESSAGES_PER_SECOND = 30


@dataclass
class StandInBotAPI(RecordingRequest):
    """The tests' recording Bot API with Telegram's 30 messages/s limit; tells each student what they see."""

    sent: deque[float] = field(default_factory=deque)  # when each accepted sendMessage arrived
    too_many: int = 0
    inbox: dict[int, asyncio.Queue] = field(default_factory=lambda: defaultdict(asyncio.Queue))

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kwargs: Any):
        name = url.rsplit("/", 1)[-1]
        if name == "sendMessage":
            now = time.monotonic()
            while self.sent and now - self.sent[0] >= 1.0:
                self.sent.popleft()
            if len(self.sent) >= MESSAGES_PER_SECOND:
                self.too_many += 1
                self.script.setdefault(name, []).append(429)  # the recorder answers it, retry_after 1
            else:
                self.sent.append(now)
        status, body = await super().do_request(url, method, request_data, **kwargs)
        if status == 200 and name in ("sendMessage", "editMessageText"):
            message = json.loads(body)["result"]
            self.inbox[message["chat"]["id"]].put_nowait((name, message, time.monotonic()))
        return status, body


def press(update_id: int, uid: int, message: dict, data: str) -> dict:
    user = {"id": uid, "is_bot": False, "first_name": "学生"}
    query = {"id": str(update_id), "from": user, "chat_instance": str(uid), "data": data, "message": message}
    return {"update_id": update_id, "callback_query": query}


def choose(message: dict) -> str:
    """A valid answer from the message's buttons (a multiple-choice question: one ticked letter)."""
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    return "a:" + data[2:] if data.startswith("m:") else data


async def student(uid: int, app, api: StandInBotAPI, first: dict, questions: int, ids, waits: list[float]) -> None:
    message = first
    for _ in range(questions):
        pressed = time.monotonic()
        await app.update_queue.put(Update.de_json(press(next(ids), uid, message, choose(message)), app.bot))
        feedback = None
        while True:
            kind, shown, when = await api.inbox[uid].get()
            if kind == "editMessageText" and shown["message_id"] == message["message_id"] and feedback is None:
                feedback = when
                waits.append(when - pressed)
            elif kind == "sendMessage" and shown.get("reply_markup"):
                message = shown
                if feedback is not None:
                    break
            elif kind == "sendMessage" and feedback is not None:  # the summary: the round is over
                break


async def run(students: int, questions: int, latency: float, db: str) -> dict:
    engine = make_engine(db)
    bank = load_bank().questions
    services = BotServices.build(engine, bank, zone=ZoneInfo("Asia/Shanghai"))
    quiz = services.quiz
    api = StandInBotAPI(latency=latency)
    app = build_application(token="1:bench", services=services, request=api)
    await app.initialize()
    await app.start()
    firsts = {}
    for uid in range(1, students + 1):  # each student has a round and sees its first question (not timed)
        view = quiz.start_round(Identity("telegram", str(uid)), theme=Theme.LAW, size=questions)
        await app.bot.send_message(uid, texts.question(view), reply_markup=keyboards.answers(view))
        firsts[uid] = (await api.inbox[uid].get())[1]
    api.too_many = 0
    ids, waits = itertools.count(1), []
    started = time.monotonic()
    await asyncio.gather(*(student(uid, app, api, firsts[uid], questions, ids, waits) for uid in firsts))
    elapsed = time.monotonic() - started
    await app.stop()
    await app.shutdown()
    with Session(engine) as session:
        stored = session.exec(select(func.count()).select_from(Answer)).one()[0]
        distinct = session.exec(select(func.count(func.distinct(Answer.round_id * 100 + Answer.position)))).one()[0]
    engine.dispose()
    waits.sort()
    floor = students * questions / MESSAGES_PER_SECOND
    return {
        "students": students,
        "answers": len(waits),
        "p50_s": round(statistics.median(waits), 3),
        "p95_s": round(waits[int(0.95 * (len(waits) - 1))], 3),
        "class_s": round(elapsed, 1),
        "floor_s": round(floor, 1),
        "x_floor": round(elapsed / floor, 2),
        "429s": api.too_many,
        "stored": stored,
        "stored_once": stored == distinct == students * questions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, nargs="+", default=[40, 200])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--db", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    for n in args.students:
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(run(n, args.questions, args.latency, args.db or str(Path(tmp) / "class.db")))
        print(
            f"{result['students']} students x {args.questions}: "
            f"feedback p50 {result['p50_s']} s, p95 {result['p95_s']} s; "
            f"class {result['class_s']} s = {result['x_floor']} x floor {result['floor_s']} s; "
            f"429s {result['429s']}; answers stored {result['stored']}, exactly once: {result['stored_once']}"
        )


if __name__ == "__main__":
    main()
