"""Reminders through the real sender and a recording Bot API: once, never at night, never lost."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from bot.calendar_file import load_calendar
from bot.tg import reminders as sender
from bot.tg import texts
from bot.tg.context import BotServices
from tests.conftest import SHANGHAI
from tests.tg.conftest import ADMIN
from tests.tg.harness import Harness
from tests.tg.recorder import RecordingRequest

STUDENTS = [7101, 7102, 7103]
TEACHER = 7200


@pytest.fixture
def services(engine, clock, bank) -> BotServices:
    calendar = load_calendar().entries
    return BotServices.build(
        engine, bank, zone=SHANGHAI, admins=frozenset({ADMIN}), calendar=calendar, clock=clock, seed=3
    )


async def run_sender(bot: Harness, holder: str | None = None) -> dict[str, int]:
    if holder is not None:
        sender.HOLDER = holder
    return await sender.deliver_due(
        bot.app.bot, bot.services.reminders, run=lambda m, *a, **k: asyncio.to_thread(m, *a, **k)
    )


def reminders_to(bot: Harness, chat: int) -> list[str]:
    return [
        c.params["text"]
        for c in bot.request.of("sendMessage")
        if c.params["chat_id"] == chat and c.params["text"][:1] in "📣⚖🔥🧩🌍📚⏰"
    ]


async def test_june_first_reminders_go_once_to_subscribers_and_not_at_night(bot, clock):
    for uid in STUDENTS:
        await bot.send(uid, "/start")
    await bot.send(STUDENTS[2], "/remind off")
    assert bot.request.last("sendMessage").params["text"] == texts.REMIND_OFF
    clock.now = clock.now.replace(hour=2)  # 2026-06-01 10:00 in Shanghai: the 08:00 reminder is due
    assert await run_sender(bot) == {"sent": 2}
    assert await run_sender(bot) == {}  # the same moment again: nothing new
    first = reminders_to(bot, STUDENTS[0])
    assert first == ["📣 今天起是第16个全民禁毒宣传月（每年6月）。这个月每天都有一道禁毒「今日一题」，一起来学！"]
    assert reminders_to(bot, STUDENTS[2]) == []
    clock.now = clock.now.replace(hour=13)  # 21:00 local: quiet
    assert await run_sender(bot) == {}
    clock.now = clock.now.replace(hour=12)  # 20:00: the 17:00 and 17:30 ones, caught up the same evening
    assert await run_sender(bot) == {"sent": 4}
    daily = next(c.params for c in bot.request.of("sendMessage") if c.params["text"].startswith("🧩"))
    assert set(bot.buttons(daily)) == {"d"}  # 今日一题
    clock.now += timedelta(days=1, hours=-11)  # 2026-06-02 09:00: yesterday's are not sent again
    assert await run_sender(bot) == {}
    await bot.send(STUDENTS[2], "/remind on")
    clock.now = clock.now.replace(hour=10)  # 18:00 on June 2: today's 今日一题 for all three
    assert await run_sender(bot) == {"sent": 3}


async def test_the_daily_question_button_starts_a_one_question_round(bot, clock):
    await bot.send(STUDENTS[0], "/start")
    clock.now = clock.now.replace(hour=10)  # 18:00
    await run_sender(bot)
    await bot.press(STUDENTS[0], "d")
    assert bot.last_message()["text"].startswith("第 1/1 题")


async def test_two_senders_never_send_twice(services, clock):
    async with Harness(services) as first, Harness(services, first.request) as second:
        for uid in STUDENTS:
            await first.send(uid, "/start")
        clock.now = clock.now.replace(hour=2)
        sender.HOLDER = "process-a"
        one = await run_sender(first)
        blocked = await run_sender(second, holder="process-b")  # the lease is held by process-a
        assert one == {"sent": 3} and blocked == {}
        # even without the lease, claims keep two runs apart
        clock.now = clock.now.replace(hour=12)
        a = services.reminders.claim_due()
        b = services.reminders.claim_due()
        assert len(a) == 6 and b == []


async def test_a_403_marks_the_user_blocked_and_is_never_retried(bot, clock):
    for uid in STUDENTS:
        await bot.send(uid, "/start")
    bot.request.blocked_chats.add(STUDENTS[1])
    clock.now = clock.now.replace(hour=2)
    assert await run_sender(bot) == {"sent": 2, "blocked": 1}
    assert bot.services.accounts.profile(bot.who(STUDENTS[1])).blocked
    clock.now = clock.now.replace(hour=12)
    assert await run_sender(bot) == {"sent": 4}  # the blocked student is skipped


async def test_5xx_is_retried_later_and_bounded_and_a_timeout_is_not_repeated(bot, clock):
    await bot.send(STUDENTS[0], "/start")
    clock.now = clock.now.replace(hour=2)
    bot.request.script["sendMessage"] = [502]
    assert await run_sender(bot) == {"retry": 1}
    clock.now += timedelta(minutes=1)
    assert await run_sender(bot) == {"sent": 1}
    clock.now = clock.now.replace(hour=12)
    bot.request.script["sendMessage"] = ["timeout"] + [500] * 10  # 17:00's times out, 17:30's gets 500s
    counts = [await run_sender(bot)]
    for _ in range(4):
        clock.now += timedelta(minutes=1)
        counts.append(await run_sender(bot))
    assert counts[0] == {"unknown": 1, "retry": 1}  # Telegram may have delivered the timed-out one
    attempts = [c for c in bot.request.calls if c.method == "sendMessage" and c.params["chat_id"] == STUDENTS[0]]
    assert len([c for c in attempts if c.status != 200]) == 1 + 1 + 3  # then the 500s: three tries, then failed
    clock.now = clock.now.replace(hour=13, minute=30)  # 21:30: no retry at night either
    bot.request.script["sendMessage"] = []


async def test_a_429_in_a_broadcast_is_waited_out(services, clock):
    request = RecordingRequest()
    async with Harness(services, request, rate_limited=True) as bot:
        for uid in STUDENTS:
            await bot.send(uid, "/start")
        clock.now = clock.now.replace(hour=2)
        request.script["sendMessage"] = [429]
        assert await run_sender(bot) == {"sent": 3}
        assert [c.status for c in request.calls].count(429) == 1


async def test_a_restart_mid_broadcast_repeats_nothing_and_drops_nothing_silently(services, clock, caplog, monkeypatch):
    monkeypatch.setattr(sender, "IN_FLIGHT", 2)
    async with Harness(services) as bot:
        for uid in range(7300, 7307):
            await bot.send(uid, "/start")
        clock.now = clock.now.replace(hour=2)
        crashed = services.reminders.claim_due(2)  # a process claimed two and died before sending
        assert len(crashed) == 2
        clock.now += timedelta(minutes=11)
        counts = await run_sender(bot)  # the next start: the other five go out, the two are not repeated
        assert counts == {"sent": 5}
        got = {c.params["chat_id"] for c in bot.request.of("sendMessage") if c.params["text"].startswith("📣")}
        assert got == set(range(7300, 7307)) - {int(o.chat_id) for o in crashed}
        assert any("marked unknown" in r.getMessage() for r in caplog.records)


async def test_a_class_assignment_is_announced_reminded_and_reported(bot, clock):
    await bot.send(ADMIN, "/invite")
    code = bot.request.last("sendMessage").params["text"].splitlines()[1]
    await bot.send(TEACHER, f"/teacher {code}")
    await bot.send(TEACHER, "/newclass 初二(3)班")
    join = bot.request.last("sendMessage").params["text"].split("加入码：")[1].split()[0]
    for n, uid in enumerate(STUDENTS):
        await bot.send(uid, f"/join {join}")
        await bot.send(uid, f"学生{n}")
    await bot.send(STUDENTS[2], "/remind off")  # assignments still reach them
    clock.now = clock.now.replace(hour=2)  # Monday 2026-06-01 10:00
    await bot.send(TEACHER, "/assign 3 law 2026-06-03")
    assert bot.request.last("sendMessage").params["text"].startswith("✅ 已给「初二(3)班」布置任务：法律法规，3 题")
    await bot.send(TEACHER, "/assign 3 law 2026-05-30")
    assert bot.request.last("sendMessage").params["text"] == texts.ASSIGN_PAST
    await bot.send(TEACHER, "/assign 三 law 明天")
    assert bot.request.last("sendMessage").params["text"] == texts.ASSIGN_USAGE
    await run_sender(bot)
    for uid in STUDENTS:
        announced = [t for t in reminders_to(bot, uid) if t.startswith("📚")]
        assert announced == ["📚 老师布置了答题任务：法律法规，共 3 题，请在 2026-06-03 前完成。"]
    button = next(d for d in bot.buttons(bot.request.of("sendMessage")[-1].params) if d.startswith("s:"))
    await bot.press(STUDENTS[0], button)
    for _ in range(3):
        await bot.answer_current(STUDENTS[0])
    await bot.feed(bot.callback_update(TEACHER, button))  # not a member: nothing starts
    assert bot.answer_alerts()[-1] == (texts.ALERT_STALE, True)
    clock.now += timedelta(days=1, hours=8)  # Tuesday 18:00, the day before the deadline
    await run_sender(bot)
    await run_sender(bot)
    due = {uid: [t for t in reminders_to(bot, uid) if t.startswith("⏰")] for uid in STUDENTS}
    assert due[STUDENTS[0]] == [] and len(due[STUDENTS[1]]) == 1 and len(due[STUDENTS[2]]) == 1
    await bot.send(TEACHER, "/report")
    assert "法律法规 3 题，截止 2026-06-03：已完成 1 人：学生0" in bot.request.last("sendMessage").params["text"]


def test_the_sender_job_has_a_fixed_name_and_runs_every_minute(services):
    app = Harness(services).app
    jobs = app.job_queue.get_jobs_by_name(sender.JOB_NAME)
    assert len(jobs) == 1 and sender.EVERY_SECONDS == 60


async def _class_with_students(bot) -> None:
    await bot.send(ADMIN, "/invite")
    code = bot.request.last("sendMessage").params["text"].splitlines()[1]
    await bot.send(TEACHER, f"/teacher {code}")
    await bot.send(TEACHER, "/newclass 初二(3)班")
    join = bot.request.last("sendMessage").params["text"].split("加入码：")[1].split()[0]
    for n, uid in enumerate(STUDENTS):
        await bot.send(uid, f"/join {join}")
        await bot.send(uid, f"学生{n}")


async def test_an_evening_assignment_is_announced_the_next_morning_whatever_the_servers_zone(bot, clock, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")  # the server's own zone must not matter
    time.tzset()
    try:
        await _class_with_students(bot)
        clock.now = clock.now.replace(hour=14)  # 2026-06-01 22:00 in Shanghai
        await bot.send(TEACHER, "/assign 3 2026-06-05")
        await run_sender(bot)
        assert not any(t.startswith("📚") for t in reminders_to(bot, STUDENTS[0]))  # not at night
        clock.now += timedelta(hours=9, minutes=40)  # 07:40 the next morning
        await run_sender(bot)
        assert [t for t in reminders_to(bot, STUDENTS[0]) if t.startswith("📚")] == [
            "📚 老师布置了答题任务：综合随机，共 3 题，请在 2026-06-05 前完成。"
        ]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


async def test_a_failed_assignment_reminder_is_not_retried_once_the_student_finished(bot, clock):
    await _class_with_students(bot)
    clock.now = clock.now.replace(month=11, day=23, hour=2)  # Monday 2026-11-23 10:00: no calendar reminder near
    await bot.send(TEACHER, "/assign 2 law 2026-11-25")
    await run_sender(bot)
    button = next(d for d in bot.buttons(bot.request.of("sendMessage")[-1].params) if d.startswith("s:"))
    clock.now += timedelta(days=1, hours=8)  # Tuesday 18:00: the reminder fails for everyone
    bot.request.script["sendMessage"] = [502] * 3
    assert await run_sender(bot) == {"retry": 3}
    await bot.press(STUDENTS[0], button)
    for _ in range(2):
        await bot.answer_current(STUDENTS[0])
    clock.now += timedelta(minutes=1)
    assert await run_sender(bot) == {"sent": 2}  # the one who finished meanwhile is skipped
    assert [t for t in reminders_to(bot, STUDENTS[0]) if t.startswith("⏰")] == []
