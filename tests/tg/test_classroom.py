"""A whole class at once: concurrent updates through the real update processor, a slow or failing Bot API."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time

import pytest

from bot.tg import texts
from bot.tg.app import configure_logging, on_error
from tests.tg.harness import TOKEN, Harness
from tests.tg.recorder import RecordingRequest

CLASS = list(range(7001, 7021))  # twenty students


async def _rounds(bot: Harness, users: list[int]) -> None:
    for uid in users:
        await bot.send(uid, "/quiz law")


def _right_presses(bot: Harness, users: list[int]) -> list[dict]:
    """Each user's press of the right answer to their current question."""
    presses = []
    for uid in users:
        rid, pos, letters = bot.right_answer(uid)
        presses.append(bot.callback_update(uid, f"a:{rid}:{pos}:{letters}"))
    return presses


def _answered(bot: Harness, uid: int) -> int:
    return bot.services.quiz.stats(bot.who(uid)).answered


async def test_a_double_tap_while_the_class_answers_is_counted_once(services):
    async with Harness(services, RecordingRequest(latency=0.02)) as bot:
        await _rounds(bot, CLASS)
        presses = _right_presses(bot, CLASS)
        tapper = presses[3]
        burst = [*presses[:3], tapper, dict(tapper, update_id=tapper["update_id"] + 10_000), *presses[4:]]
        await bot.feed_all(burst)
        assert [_answered(bot, uid) for uid in CLASS] == [1] * len(CLASS)
        assert bot.answer_alerts().count((texts.ALERT_ANSWERED, True)) == 1
        first = services.quiz.stats(bot.who(CLASS[3]))
        assert first.total_points > 0 and first.answered == 1


async def test_updates_of_different_users_run_at_the_same_time(services):
    """With 100 ms per Bot API call, 20 answers in a burst take about one answer's time, not twenty."""
    async with Harness(services, RecordingRequest(latency=0.1)) as bot:
        await _rounds(bot, CLASS)
        burst = _right_presses(bot, CLASS)
        started = time.monotonic()
        await bot.feed_all(burst)
        elapsed = time.monotonic() - started
        assert [_answered(bot, uid) for uid in CLASS] == [1] * len(CLASS)
        assert elapsed < 3 * 0.1 * 4  # one user's three calls, with room; in sequence it would be 6 s


async def test_one_users_updates_never_interleave(services):
    """A tick and 提交 sent together: the submit sees the tick's state; order is Telegram's."""
    async with Harness(services, RecordingRequest(latency=0.02)) as bot:
        uid = CLASS[0]
        await bot.send(uid, "/quiz")
        await bot.press(uid, "t:all")
        seen = []
        original = bot.app.process_update

        async def tracing(update):
            seen.append(("start", update.update_id))
            await original(update)
            seen.append(("end", update.update_id))

        bot.app.process_update = tracing
        payloads = [bot.message_update(uid, "/me") for _ in range(4)]
        await bot.feed_all(payloads)
        ids = [p["update_id"] for p in payloads]
        assert seen == [event for i in ids for event in (("start", i), ("end", i))]


async def test_a_failed_send_never_strands_the_round(services, clock):
    async with Harness(services) as bot:
        uid = CLASS[0]
        await bot.send(uid, "/quiz law")
        question = bot.last_message()
        bot.request.script["sendMessage"] = [502]
        rid, pos, letters = bot.right_answer(uid)
        await bot.press(uid, f"a:{rid}:{pos}:{letters}", message_id=question["message_id"])
        assert _answered(bot, uid) == 1  # stored, though the next question never arrived
        assert bot.request.messages[question["message_id"]]["text"].find("你的选择") >= 0

        # 1. the old button again (the student is searching, not double tapping)
        clock.advance(seconds=10)
        sent_before = len(bot.request.of("sendMessage"))
        await bot.press(uid, f"a:{rid}:{pos}:{letters}", message_id=question["message_id"])
        resent = bot.last_message()
        assert len(bot.request.of("sendMessage")) == sent_before + 1
        assert any(d.startswith(f"a:{rid}:1:") for d in bot.buttons(resent))
        assert bot.answer_alerts()[-1] == (texts.TOAST_RESHOWN, False)
        assert _answered(bot, uid) == 1

        # 2. typing anything
        await bot.send(uid, "怎么没有下一题？")
        assert any(d.startswith(f"a:{rid}:1:") for d in bot.buttons(bot.last_message()))

        # 3. /quiz offers 继续本轮 / 新的一轮; 继续 shows the question with its buttons
        await bot.send(uid, "/quiz")
        assert set(bot.buttons(bot.last_message())) == {"c", "q"}
        await bot.press(uid, "c")
        assert any(d.startswith(f"a:{rid}:1:") for d in bot.buttons(bot.last_message()))
        await bot.answer_current(uid)
        assert _answered(bot, uid) == 2


async def test_a_timeout_on_the_edit_is_reported_once_and_the_answer_kept(services, caplog):
    async with Harness(services) as bot:
        uid = CLASS[1]
        await bot.send(uid, "/quiz law")
        bot.request.script["editMessageText"] = ["timeout"]
        with caplog.at_level(logging.ERROR):
            await bot.answer_current(uid)
        assert _answered(bot, uid) == 1
        assert sum(r.levelno >= logging.ERROR for r in caplog.records) == 1
        await bot.send(uid, "下一题呢")
        view = services.quiz.active_question(bot.who(uid))
        assert view.number == 2 and bot.buttons(bot.last_message())


async def test_a_429_in_a_burst_is_waited_out_and_nothing_is_lost(services):
    request = RecordingRequest(latency=0.01)
    async with Harness(services, request, rate_limited=True) as bot:
        users = CLASS[:8]
        await _rounds(bot, users)
        request.script["sendMessage"] = [429, 429]
        request.script["editMessageText"] = [429]
        await bot.feed_all(_right_presses(bot, users))
        assert [_answered(bot, uid) for uid in users] == [1] * len(users)
        edited = {c.params["chat_id"] for c in request.of("editMessageText")}
        assert edited == set(users)  # every student saw their feedback
        next_questions = [c for c in request.of("sendMessage") if c.params["text"].startswith("第 2/10 题")]
        assert {c.params["chat_id"] for c in next_questions} == set(users)
        assert [c.status for c in request.calls].count(429) == 3


async def test_a_long_held_sqlite_write_lock_does_not_freeze_other_users(services, engine, db_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's file lock")
    async with Harness(services) as bot:
        writer, reader, idle = CLASS[:3]
        await _rounds(bot, [writer, reader])
        rid, pos, letters = bot.right_answer(writer)
        locked, release = threading.Event(), threading.Event()

        def hold_lock() -> None:
            other = sqlite3.connect(db_path, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            release.wait(5)
            other.execute("ROLLBACK")
            other.close()

        holder = threading.Thread(target=hold_lock)
        holder.start()
        locked.wait(5)
        answering = asyncio.ensure_future(bot.feed(bot.callback_update(writer, f"a:{rid}:{pos}:{letters}")))
        await asyncio.sleep(0.2)
        await bot.feed_all([bot.message_update(reader, "/me"), bot.message_update(idle, "/help")])
        replied = {c.params["chat_id"] for c in bot.request.of("sendMessage")[-2:]}
        assert replied == {reader, idle} and not answering.done()  # answered while the lock is held
        release.set()
        await answering
        holder.join()
        assert _answered(bot, writer) == 1
        assert all("locked" not in (text or "") for text, _ in bot.answer_alerts())


async def test_the_token_never_appears_in_log_output_tracebacks_included(services, capsys, monkeypatch):
    leaky = f"POST https://example.invalid/bot{TOKEN}/sendMessage failed"

    def boom(*_args, **_kwargs):
        raise RuntimeError(leaky)

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(TOKEN)
        async with Harness(services) as bot:
            monkeypatch.setattr(bot.services.quiz, "stats", boom)
            await bot.send(CLASS[0], "/me")
            logging.getLogger("jindu.test").info("token in args: %s", TOKEN)
    finally:
        root.handlers[:], root.level = saved
    err = capsys.readouterr().err
    assert "RuntimeError" in err and "Traceback" in err  # the traceback was logged ...
    assert TOKEN not in err and TOKEN.split(":")[1] not in err  # ... without the token
    assert err.count("<token>") >= 2


async def test_leaving_a_group_does_not_mark_the_remover_blocked(bot):
    uid = CLASS[0]
    await bot.send(uid, "/start")
    change = {
        "chat": {"id": -100123, "type": "supergroup", "title": "初二(3)班"},
        "from": bot.user(uid),
        "date": 1_780_000_000,
        "old_chat_member": {"user": {"id": 4242, "is_bot": True, "first_name": "bot"}, "status": "member"},
        "new_chat_member": {"user": {"id": 4242, "is_bot": True, "first_name": "bot"}, "status": "left"},
    }
    await bot.feed({"update_id": 99_001, "my_chat_member": change})
    assert bot.services.accounts.profile(bot.who(uid)).blocked is False
    private = dict(change, chat={"id": uid, "type": "private"})
    private["new_chat_member"] = dict(change["new_chat_member"], status="kicked", until_date=0)
    await bot.feed({"update_id": 99_002, "my_chat_member": private})
    assert bot.services.accounts.profile(bot.who(uid)).blocked is True


async def test_a_forged_single_choice_answer_and_a_huge_round_id_get_alerts(bot):
    uid = CLASS[0]
    await bot.send(uid, "/quiz law")
    view = bot.services.quiz.active_question(bot.who(uid))
    message = bot.last_message()
    if view.question.kind.value != "multiple":
        await bot.feed(bot.callback_update(uid, f"a:{view.round_id}:0:ABCD"[: 8 + len(str(view.round_id))], message))
        assert bot.answer_alerts()[-1] == (texts.ALERT_STALE, True)
    await bot.feed(bot.callback_update(uid, "a:999999999999:0:A", message))
    assert bot.answer_alerts()[-1] == (texts.ALERT_STALE, True)
    assert _answered(bot, uid) == 0


def test_on_error_is_the_registered_error_handler(services):
    app = Harness(services).app
    assert on_error in app.error_handlers


async def test_sends_are_paced_under_30_a_second_while_edits_are_not_held(services):
    request = RecordingRequest()
    async with Harness(services, request, rate_limited=True) as bot:
        sends = [bot.app.bot.send_message(8000 + i, "提醒") for i in range(45)]
        edits = [bot.app.bot.edit_message_text("反馈", chat_id=8100 + i, message_id=1) for i in range(10)]
        started = time.monotonic()
        await asyncio.gather(*sends, *edits)
    sent = sorted(c.at for c in request.of("sendMessage"))
    assert len(sent) == 45
    assert max(sum(1 for t in sent if s <= t < s + 1.0) for s in sent) <= 30
    edited = [c.at - started for c in request.of("editMessageText")]
    assert max(edited) < 0.5  # not queued behind 45 sends (which need about 1.5 s)
