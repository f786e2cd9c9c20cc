"""A student's round in the private chat, and every bad-input case around it."""

from __future__ import annotations

import logging

from bot.tg import texts
from bot.tg.context import BotServices
from tests.conftest import SHANGHAI
from tests.tg.harness import Harness

UID = 6001


async def _start_round(bot, theme: str = "all") -> dict:
    await bot.send(UID, "/quiz")
    if set(bot.buttons(bot.request.last("sendMessage").params)) == {"c", "q"}:  # a round is unfinished
        await bot.press(UID, "q")  # 新的一轮
    picker = bot.request.last("sendMessage").params
    assert len(bot.buttons(picker)) == 8 and "t:all" in bot.buttons(picker)
    await bot.press(UID, f"t:{theme}")
    return bot.last_message()


async def test_a_full_round_edits_each_answer_and_ends_with_a_summary(bot):
    first = await _start_round(bot, "law")
    assert first["text"].startswith("第 1/10 题 · 法律法规")
    assert bot.request.last("editMessageText").params["text"] == texts.ROUND_STARTED.format(theme="法律法规", total=10)
    for n in range(10):
        question_id = bot.last_message()["message_id"]
        await bot.answer_current(UID, right=n % 2 == 0)
        edited = bot.request.messages[question_id]
        assert "你的选择：" in edited["text"] and "📖 " in edited["text"] and "📚 来源：" in edited["text"]
        assert "reply_markup" not in edited  # the answered question has no buttons left
        assert ("✅ 回答正确" in edited["text"]) == (n % 2 == 0)
        if n % 2:
            assert "正确答案：" in edited["text"]
    summary = bot.last_message()
    assert summary["text"].startswith("🏁 本轮结束！\n答对 5/10 题")
    assert "建议复习：法律法规" in summary["text"]
    assert set(bot.buttons(summary)) == {"q", "r"}


async def test_every_callback_query_is_answered(bot):
    await _start_round(bot)
    pressed = 0
    original_feed = bot.feed

    async def counting_feed(payload):
        nonlocal pressed
        pressed += "callback_query" in payload
        await original_feed(payload)

    bot.feed = counting_feed
    for _ in range(3):
        await bot.answer_current(UID)
    await bot.press(UID, "zzz-forged", message_id=bot.last_message()["message_id"])
    await bot.press(UID, "a:99999:0:A", message_id=bot.last_message()["message_id"])
    assert pressed >= 5
    assert len(bot.request.of("answerCallbackQuery")) == pressed + 1  # +1: the theme pick before counting


async def test_multiple_choice_toggles_then_submits_the_exact_set(bot):
    await _start_round(bot)
    for _ in range(10):  # play until a multiple-choice question comes up
        view = bot.services.quiz.active_question(bot.who(UID))
        if view.question.kind.value == "multiple":
            break
        await bot.answer_current(UID)
    else:
        raise AssertionError("no multiple-choice question in the round")
    rid, pos, right = view.round_id, view.position, view.answer_shown
    first = right[0]
    await bot.press(UID, f"m:{rid}:{pos}:{first}")
    markup = bot.request.last("editMessageReplyMarkup").params["reply_markup"]
    labels = [b["text"] for row in markup["inline_keyboard"] for b in row]
    assert f"☑ {first}" in labels and f"提交（{first}）" in labels
    await bot.press(UID, f"a:{rid}:{pos}:{first}")  # a strict subset is wrong
    assert "❌ 回答错误" in bot.request.last("editMessageText").params["text"]


async def test_submit_with_nothing_ticked_asks_to_pick(bot):
    await _start_round(bot)
    rid, pos, _ = bot.right_answer(UID)
    await bot.feed(bot.callback_update(UID, f"a:{rid}:{pos}:", bot.last_message()))
    assert bot.answer_alerts()[-1] == (texts.ALERT_PICK_ONE, True)
    assert bot.right_answer(UID)[1] == pos  # nothing stored


async def test_double_tap_and_redelivered_update_count_once(bot):
    await _start_round(bot)
    rid, pos, letters = bot.right_answer(UID)
    message = bot.last_message()
    update = bot.callback_update(UID, f"a:{rid}:{pos}:{letters}", message)
    await bot.feed(update)
    points = bot.services.quiz.stats(bot.who(UID)).total_points
    await bot.feed(update)  # the same update delivered twice
    await bot.feed(bot.callback_update(UID, f"a:{rid}:{pos}:{letters}", message))  # a second tap
    assert bot.answer_alerts()[-2:] == [(texts.ALERT_ANSWERED, True), (texts.ALERT_ANSWERED, True)]
    stats = bot.services.quiz.stats(bot.who(UID))
    assert stats.total_points == points and stats.answered == 1


async def test_buttons_of_an_abandoned_or_finished_round_get_an_alert(bot):
    await _start_round(bot)
    old_rid, old_pos, letters = bot.right_answer(UID)
    old_message = bot.last_message()
    await _start_round(bot)  # a new round abandons the old one
    await bot.feed(bot.callback_update(UID, f"a:{old_rid}:{old_pos}:{letters}", old_message))
    assert bot.answer_alerts()[-1] == (texts.ALERT_STALE, True)
    assert bot.services.quiz.stats(bot.who(UID)).answered == 0


async def test_forged_and_truncated_callback_data(bot, caplog):
    await _start_round(bot)
    message = bot.last_message()
    with caplog.at_level(logging.WARNING):
        for data in ("a:1:0", "a:1:0:Z", "x" * 80, "t:sports", "g:college"):
            await bot.feed(bot.callback_update(UID, data, message))
    assert bot.answer_alerts()[-5:] == [(texts.ALERT_BAD_BUTTON, True)] * 5
    assert sum("unparseable callback data" in r.getMessage() for r in caplog.records) == 5
    await bot.feed(bot.callback_update(UID, "a:424242:0:A", message))  # parses, but no such round
    assert bot.answer_alerts()[-1] == (texts.ALERT_STALE, True)
    assert bot.services.quiz.stats(bot.who(UID)).answered == 0


async def test_another_users_button_changes_nothing(bot):
    await _start_round(bot)
    rid, pos, letters = bot.right_answer(UID)
    await bot.feed(bot.callback_update(7777, f"a:{rid}:{pos}:{letters}", bot.last_message()))
    assert bot.answer_alerts()[-1] == (texts.ALERT_STALE, True)
    assert bot.right_answer(UID)[1] == pos


async def test_free_text_mid_round_shows_the_current_question_again_and_keeps_the_round(bot):
    await _start_round(bot)
    await bot.answer_current(UID)
    await bot.send(UID, "我觉得选B")
    reply = bot.request.last("sendMessage").params
    view = bot.services.quiz.active_question(bot.who(UID))
    assert reply["text"] == texts.USE_BUTTONS + "\n\n" + texts.question(view)
    assert view.number == 2 and any(d.startswith(f"a:{view.round_id}:1:") for d in bot.buttons(reply))
    await bot.answer_current(UID)
    assert bot.services.quiz.stats(bot.who(UID)).answered == 2


async def test_a_restart_mid_round_continues_where_it_was(engine, clock, bank, services):
    async with Harness(services) as first:
        await first.send(UID, "/quiz")
        await first.press(UID, "t:all")
        for _ in range(3):
            await first.answer_current(UID)
        pending = first.last_message()
        rid, pos, letters = first.right_answer(UID)
    # A new process: new services and application on the same database, same pending button.
    fresh = BotServices.build(engine, bank, zone=SHANGHAI, clock=clock, seed=5)
    async with Harness(fresh) as second:
        second.request.messages[pending["message_id"]] = pending
        second.request.next_message_id = pending["message_id"] + 10
        await second.feed(second.callback_update(UID, f"a:{rid}:{pos}:{letters}", pending))
        assert "✅ 回答正确" in second.request.last("editMessageText").params["text"]
        assert second.last_message()["text"].startswith("第 5/10 题")
        for _ in range(6):
            await second.answer_current(UID)
        assert second.last_message()["text"].startswith("🏁 本轮结束！\n答对 10/10 题")


async def test_review_brings_back_missed_questions_without_points(bot, clock):
    await _start_round(bot)
    for _ in range(10):
        await bot.answer_current(UID, right=False)
    await bot.send(UID, "/review")
    assert bot.request.last("sendMessage").params["text"] == texts.NOTHING_TO_REVIEW  # not due yet
    clock.advance(minutes=15)
    await bot.press(UID, "r", message_id=bot.last_message()["message_id"] - 1)  # the summary's 复习错题
    assert bot.request.of("sendMessage")[-2].params["text"] == texts.REVIEW_STARTED.format(total=10)
    assert bot.last_message()["text"].startswith("【复习】第 1/10 题")
    before = bot.services.quiz.stats(bot.who(UID))
    assert before.reviews_due == 10
    await bot.answer_current(UID)
    edited = bot.request.last("editMessageText").params["text"]
    assert texts.NO_POINTS_REVIEW in edited
    after = bot.services.quiz.stats(bot.who(UID))
    assert after.total_points == before.total_points == 0
    assert after.reviews_due == 9  # a right answer pushed that card out
    await bot.answer_current(UID, right=False)
    clock.advance(minutes=5)
    # the miss is due again within minutes; the right one waits longer (FSRS learning steps)
    assert bot.services.quiz.stats(bot.who(UID)).reviews_due == 9


async def test_again_button_shows_the_theme_picker(bot):
    await _start_round(bot)
    for _ in range(10):
        await bot.answer_current(UID)
    await bot.press(UID, "q")
    assert bot.request.last("sendMessage").params["text"] == texts.PICK_THEME


async def test_a_review_round_ends_with_its_own_summary(bot, clock):
    await _start_round(bot, "history")
    for _ in range(10):
        await bot.answer_current(UID, right=False)
    clock.advance(minutes=2)
    await bot.send(UID, "/review")
    for _ in range(10):
        await bot.answer_current(UID)
    summary = bot.last_message()["text"]
    assert summary.startswith("🏁 复习结束！答对 10/10 题") and "总积分" not in summary
    assert bot.services.quiz.stats(bot.who(UID)).total_points == 0
