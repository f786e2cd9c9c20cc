"""Benchmark: answer callbacks through the real Application, against a handler that only replies.

    python bench/tg_answers.py [--users 100]

Both runs feed the same number of callback updates through `Application.process_update` with an
in-process recording Bot API (no network). The answer path parses the callback data, grades,
stores the answer in SQLite (WAL), edits the question message and sends the next question. The
trivial path answers the callback query and nothing else. Target: answers at >= 40% of the
trivial rate. The rate limiter is left out of both, since it would cap both at 30 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.bank import load_bank
from bot.services import Identity
from bot.tg.app import build_application
from bot.tg.context import BotServices
from db.session import make_engine
from tests.tg.recorder import RecordingRequest

TOKEN = "123:bench"


def callback(update_id: int, uid: int, data: str) -> dict:
    message = {"message_id": 1, "date": 1_780_000_000, "chat": {"id": uid, "type": "private"}, "text": "q"}
    user = {"id": uid, "is_bot": False, "first_name": "s"}
    query = {"id": str(update_id), "from": user, "chat_instance": "c", "data": data, "message": message}
    return {"update_id": update_id, "callback_query": query}


async def answer_path(users: int, folder: Path) -> tuple[int, float]:
    engine = make_engine(str(folder / "bench.db"))
    services = BotServices.build(engine, load_bank().questions, zone=ZoneInfo("Asia/Shanghai"))
    quiz = services.quiz
    request = RecordingRequest()
    app = build_application(token=TOKEN, services=services, request=request, rate_limited=False)
    await app.initialize()
    # Prepare: every user has a round of 10; collect the right answer of each position up front.
    plans = []
    for uid in range(1, users + 1):
        view = quiz.start_round(Identity("telegram", str(uid)))
        plans.append((uid, view.round_id))
    updates = []
    for position in range(10):
        for uid, round_id in plans:
            updates.append((uid, round_id, position))
    count, start = 0, time.perf_counter()
    for n, (uid, round_id, position) in enumerate(updates):
        # Judge questions show A/B, multiple choice needs a set; "A" is a valid choice everywhere.
        await app.process_update(Update.de_json(callback(n + 1, uid, f"a:{round_id}:{position}:A"), app.bot))
        count += 1
    elapsed = time.perf_counter() - start
    await app.shutdown()
    answered = sum(1 for c in request.calls if c.method == "editMessageText")
    assert answered == count, f"only {answered} of {count} answers were stored and shown"
    return count, elapsed


async def trivial_path(count: int, *, same_calls: bool = False) -> float:
    """A handler that only answers the query; with ``same_calls`` it also edits and sends, like an answer."""
    request = RecordingRequest()
    app = Application.builder().token(TOKEN).request(request).get_updates_request(request).build()

    async def reply_only(update, context) -> None:
        await update.callback_query.answer()
        if same_calls:
            await update.callback_query.edit_message_text("已作答")
            await update.callback_query.message.chat.send_message("下一题")

    app.add_handler(CallbackQueryHandler(reply_only))
    await app.initialize()
    start = time.perf_counter()
    for n in range(count):
        await app.process_update(Update.de_json(callback(n + 1, 1 + n % 100, "x"), app.bot))
    elapsed = time.perf_counter() - start
    await app.shutdown()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        count, answer_time = await answer_path(args.users, Path(tmp))
    trivial_time = await trivial_path(count)
    calls_time = await trivial_path(count, same_calls=True)
    answer_rate, trivial_rate, calls_rate = count / answer_time, count / trivial_time, count / calls_time
    print(f"answers (parse, grade, store, edit, send next): {count} in {answer_time:.2f} s = {answer_rate:.0f}/s")
    print(f"reply-only handler (answerCallbackQuery):       {count} in {trivial_time:.2f} s = {trivial_rate:.0f}/s")
    print(f"same three Bot API calls, no service:            {count} in {calls_time:.2f} s = {calls_rate:.0f}/s")
    print(f"ratio answers / reply-only: {100 * answer_rate / trivial_rate:.1f}% (target >= 40%)")
    print(f"ratio answers / same calls without service: {100 * answer_rate / calls_rate:.1f}%")


if __name__ == "__main__":
    asyncio.run(main())
