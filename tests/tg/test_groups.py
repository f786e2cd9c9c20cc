"""Class groups: a whole quiz of native quiz polls with several voters, and every refusal around it."""

from __future__ import annotations

import dataclasses
import random

from bot.engine.model import Theme
from bot.services.groups import GroupService
from bot.tg import groups, texts
from tests.conftest import SHANGHAI
from tests.factories import make_question
from tests.tg.conftest import ADMIN
from tests.tg.harness import Harness

GROUP = -100777
OWNER, S1, S2, S3, TEACHER = 8001, 8002, 8003, 8004, 8005
BOT = {"id": 4242, "is_bot": True, "first_name": "bot"}


def group_message(bot: Harness, uid: int, text: str) -> dict:
    update = bot.message_update(uid, text)
    update["message"]["chat"] = {"id": GROUP, "type": "supergroup", "title": "初二(3)班"}
    return update


async def say(bot: Harness, uid: int, text: str) -> None:
    await bot.feed(group_message(bot, uid, text))


def membership(bot: Harness, old: str, new: str, uid: int = OWNER) -> dict:
    extra = {"until_date": 0} if new == "kicked" else {}
    return {
        "update_id": 90_000 + len(bot.request.calls),
        "my_chat_member": {
            "chat": {"id": GROUP, "type": "supergroup", "title": "初二(3)班"},
            "from": bot.user(uid),
            "date": 1_780_000_000,
            "old_chat_member": {"user": BOT, "status": old},
            "new_chat_member": {"user": BOT, "status": new, **extra},
        },
    }


def vote(bot: Harness, uid: int, poll_id: str, options: list[int]) -> dict:
    n = 95_000 + len(bot.request.calls) + uid
    answer = {"poll_id": poll_id, "user": bot.user(uid), "option_ids": options}
    answer["option_persistent_ids"] = [str(i) for i in options]  # Bot API 9.6+
    return {"update_id": n, "poll_answer": answer}


def polls(bot: Harness) -> list[dict]:
    return [m for m in bot.request.messages.values() if "poll" in m]


def right_options(poll_message: dict, bot: Harness) -> list[int]:
    """The right options of a posted poll, from what the bot sent."""
    call = next(c for c in bot.request.of("sendPoll") if c.params["question"] == poll_message["poll"]["question"])
    return call.params.get("correct_option_ids") or [call.params["correct_option_id"]]


async def next_poll(bot: Harness, clock, quiz_id: int) -> None:
    clock.advance(seconds=31)
    await groups.post_next(bot.app, quiz_id)


def running_quiz(bot: Harness) -> int:
    (quiz_id, _, _), *_ = bot.services.groups.running()
    return quiz_id


async def test_a_whole_group_quiz_with_several_voters(bot, clock):
    await bot.feed(membership(bot, "left", "member"))
    assert bot.request.last("sendMessage").params["text"] == texts.GROUP_WELCOME
    bot.request.admins.add((GROUP, OWNER))
    await say(bot, OWNER, "/quiz 3 law")
    assert bot.request.of("sendMessage")[-1].params["text"].startswith("🎯 群答题开始：法律法规，共 3 题")
    quiz_id = running_quiz(bot)
    for n in range(3):
        poll = polls(bot)[-1]
        sent = bot.request.of("sendPoll")[-1].params
        assert sent["type"] == "quiz" and sent["is_anonymous"] is False and sent["open_period"] == 30
        assert sent["question"].startswith(f"第 {n + 1}/3 题 · ") and len(sent["explanation"]) <= 200
        right = right_options(poll, bot)
        wrong = [i for i in range(len(poll["poll"]["options"])) if i not in right][:1]
        await bot.feed(vote(bot, S1, poll["poll"]["id"], right))
        await bot.feed(vote(bot, S1, poll["poll"]["id"], wrong))  # a second vote: counted once
        await bot.feed(vote(bot, S2, poll["poll"]["id"], right if n == 0 else wrong))
        await bot.feed(vote(bot, S3, "no-such-poll", [0]))  # not ours: ignored
        await next_poll(bot, clock, quiz_id)
    results = bot.request.last("sendMessage").params["text"]
    assert results.startswith("🏁 答题结束（共 3 题）！")
    lines = results.splitlines()[1:]
    first = bot.services.accounts.profile(bot.who(S1)).nickname
    second = bot.services.accounts.profile(bot.who(S2)).nickname
    assert lines[0].startswith(f"🥇 {first}：答对 3 题") and lines[1].startswith(f"🥈 {second}：答对 1 题")
    me = bot.services.quiz.stats(bot.who(S1))
    assert me.answered == 3 and me.total_points > 0  # the same points as in a private chat
    assert bot.services.quiz.stats(bot.who(S2)).reviews_due >= 0
    assert len(bot.request.of("sendPoll")) == 3


async def test_a_vote_handled_late_counts_within_the_grace_and_not_after(bot, clock):
    bot.request.admins.add((GROUP, OWNER))
    await say(bot, OWNER, "/quiz 2")
    poll = polls(bot)[-1]
    clock.advance(seconds=35)  # cast in time, handled 5 s after the close (a busy moment)
    await bot.feed(vote(bot, S1, poll["poll"]["id"], right_options(poll, bot)))
    assert bot.services.quiz.stats(bot.who(S1)).answered == 1
    clock.advance(seconds=10)  # 15 s after the close: too late
    await bot.feed(vote(bot, S2, poll["poll"]["id"], right_options(poll, bot)))
    assert bot.services.quiz.stats(bot.who(S2)).answered == 0


async def test_a_stopped_quiz_closes_its_open_poll_and_a_skipped_question_does_not_stick(bot, clock):
    bot.request.admins.add((GROUP, OWNER))
    await say(bot, OWNER, "/quiz 3")
    quiz_id = running_quiz(bot)
    bot.services.groups.by_id.pop(_second_question(bot, quiz_id))
    await next_poll(bot, clock, quiz_id)  # the 2nd question left the bank: skipped, the 3rd is posted
    assert bot.request.of("sendPoll")[-1].params["question"].startswith("第 3/3 题")
    await say(bot, OWNER, "/stopquiz")
    assert bot.request.last("stopPoll").params["message_id"] == polls(bot)[-1]["message_id"]


def _second_question(bot: Harness, quiz_id: int) -> str:
    from db import repo
    from db.session import read_scope

    with read_scope(bot.services.groups.engine) as session:
        return repo.group_question(session, quiz_id=quiz_id, position=1).question_id


async def test_a_group_that_forbids_polls_gets_told_and_the_quiz_ends(bot):
    bot.request.admins.add((GROUP, OWNER))
    bot.request.script["sendPoll"] = [400]
    await say(bot, OWNER, "/quiz 3")
    assert bot.request.last("sendMessage").params["text"] == texts.GROUP_CANNOT_POLL
    assert bot.services.groups.running() == []


async def test_an_anonymous_admin_may_start_a_quiz(bot):
    update = group_message(bot, 1087968824, "/quiz 2")  # GroupAnonymousBot, writing as the group
    update["message"]["sender_chat"] = {"id": GROUP, "type": "supergroup", "title": "初二(3)班"}
    await bot.feed(update)
    assert len(bot.request.of("sendPoll")) == 1


async def test_who_may_start_link_and_stop(bot):
    await say(bot, S1, "/quiz")
    assert bot.request.last("sendMessage").params["text"] == texts.GROUP_NOT_ALLOWED
    await bot.send(ADMIN, "/invite")
    code = bot.request.last("sendMessage").params["text"].splitlines()[1]
    await bot.send(TEACHER, f"/teacher {code}")
    await bot.send(TEACHER, "/newclass 初二(3)班")
    join = bot.request.last("sendMessage").params["text"].split("加入码：")[1].split()[0]
    await say(bot, S1, f"/linkclass {join}")
    assert bot.request.last("sendMessage").params["text"] == texts.TEACHER_ONLY
    await bot.send(ADMIN, "/invite")
    other = bot.request.last("sendMessage").params["text"].splitlines()[1]
    await bot.send(S2, f"/teacher {other}")
    await say(bot, S2, f"/linkclass {join}")  # a teacher, but not of this class
    assert bot.request.last("sendMessage").params["text"] == texts.CLASS_UNKNOWN
    await say(bot, TEACHER, f"/linkclass {join}")
    assert bot.request.last("sendMessage").params["text"] == texts.GROUP_LINKED.format(name="初二(3)班")
    await say(bot, TEACHER, "/quiz 2")  # the linked class's teacher may start one
    assert len(bot.request.of("sendPoll")) == 1
    await say(bot, TEACHER, "/quiz 2")
    assert bot.request.last("sendMessage").params["text"] == texts.GROUP_RUNNING
    await say(bot, S1, "/stopquiz")
    assert bot.request.last("sendMessage").params["text"] == texts.GROUP_NOT_ALLOWED
    await say(bot, TEACHER, "/stopquiz")
    assert bot.request.last("sendMessage").params["text"].startswith("⏹ 答题已提前结束（已出 1 题）")
    await say(bot, TEACHER, "/stopquiz")
    assert bot.request.last("sendMessage").params["text"] == texts.GROUP_NO_QUIZ
    await say(bot, S1, "/forget")
    assert bot.request.last("sendMessage").params["text"] == texts.GROUP_PRIVATE_ONLY
    await say(bot, S1, "/rank")
    assert bot.request.last("sendMessage").params["text"].startswith("🏆 初二(3)班 · 本周排行榜")


async def test_removing_the_bot_stops_the_quiz(bot, clock):
    bot.request.admins.add((GROUP, OWNER))
    await say(bot, OWNER, "/quiz 3")
    quiz_id = running_quiz(bot)
    await bot.feed(membership(bot, "member", "kicked"))
    assert bot.services.groups.running() == []
    await next_poll(bot, clock, quiz_id)
    assert len(bot.request.of("sendPoll")) == 1
    assert bot.services.accounts.profile(bot.who(OWNER)).blocked is False


async def test_a_restart_mid_quiz_posts_no_poll_twice_and_goes_on(services, clock):
    async with Harness(services) as first:
        first.request.admins.add((GROUP, OWNER))
        await say(first, OWNER, "/quiz 3")
        quiz_id = running_quiz(first)
        request = first.request
    async with Harness(services, request) as second:  # a new process on the same database
        await groups.resume(second.app)
        assert second.app.job_queue.get_jobs_by_name(groups.job_name(quiz_id))
        await groups.post_next(second.app, quiz_id)  # too early: the first poll is still open
        assert len(request.of("sendPoll")) == 1
        clock.advance(seconds=31)
        await groups.post_next(second.app, quiz_id)
        await groups.post_next(second.app, quiz_id)  # twice at the same moment: one poll
        assert len(request.of("sendPoll")) == 2
        assert request.of("sendPoll")[-1].params["question"].startswith("第 2/3 题")


def test_questions_that_do_not_fit_a_quiz_poll_are_never_chosen(engine, clock):
    long_question = dataclasses.replace(make_question("law-900", theme=Theme.LAW), text="长" * 290)
    fitting = [make_question(f"law-{i:03d}", theme=Theme.LAW) for i in range(3)]
    service = GroupService(engine, [long_question, *fitting], zone=SHANGHAI, clock=clock, rng=random.Random(1))
    assert "law-900" not in service.by_id
    assert {q.id for q in service.questions} == {q.id for q in fitting}
