"""Commands in a private chat, through the real Application and a recording Bot API."""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from bot.tg import texts
from db.models import User
from tests.tg.harness import TOKEN, Harness

UID = 5001


def _user(engine, uid: int = UID) -> User | None:
    with Session(engine) as s:
        return s.exec(select(User).where(User.channel == "telegram", User.external_id == str(uid))).first()


async def test_start_welcomes_explains_storage_and_asks_grade_once(bot, engine):
    await bot.send(UID, "/start class-7b")
    reply = bot.request.last("sendMessage").params
    assert "禁毒知识答题机器人" in reply["text"] and "/forget" in reply["text"] and "昵称" in reply["text"]
    assert set(bot.buttons(reply)) == {"g:primary", "g:junior", "g:senior"}
    user = _user(engine)
    assert user.start_payload == "class-7b"
    assert user.nickname not in ("小明", "王", "student5001")  # never the Telegram name

    await bot.press(UID, "g:junior")
    assert bot.request.last("editMessageText").params["text"] == texts.GRADE_SET.format(grade="初中")
    assert _user(engine).grade == "junior"

    await bot.send(UID, "/start")
    again = bot.request.last("sendMessage").params
    assert again["text"].startswith("欢迎回来") and "reply_markup" not in again


async def test_commands_are_registered_in_chinese(bot):
    await bot.app.post_init(bot.app)
    commands = bot.request.last("setMyCommands").params["commands"]
    assert [c["command"] for c in commands][:3] == ["quiz", "review", "me"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c["description"]) for c in commands)


async def test_help_lists_commands_and_points(bot):
    await bot.send(UID, "/help")
    text = bot.request.last("sendMessage").params["text"]
    assert "/quiz" in text and "/review" in text and "10分" in text


async def test_nickname_rules(bot, engine):
    await bot.send(UID, "/nickname")
    assert bot.request.last("sendMessage").params["text"] == texts.NICKNAME_USAGE
    cases = {
        "@somebody": texts.NICKNAME_REASONS["mention"],
        "看这里 http://x.cn": texts.NICKNAME_REASONS["link"],
        "t.me/abc": texts.NICKNAME_REASONS["link"],
        "一二三四五六七八九十一二三四五六七": texts.NICKNAME_REASONS["too_long"],
        "零\u200b宽": texts.NICKNAME_REASONS["control"],
    }
    for name, reason in cases.items():
        await bot.send(UID, f"/nickname {name}")
        assert bot.request.last("sendMessage").params["text"].startswith(reason), name
    assert _user(engine) is None  # refused input stored nothing
    await bot.send(UID, "/nickname 禁毒小卫士")
    assert bot.request.last("sendMessage").params["text"] == texts.NICKNAME_SET.format(nickname="禁毒小卫士")
    assert _user(engine).nickname == "禁毒小卫士"


async def test_me_before_and_after_a_round(bot):
    await bot.send(UID, "/me")
    assert texts.ME_EMPTY in bot.request.last("sendMessage").params["text"]
    await bot.send(UID, "/quiz")
    await bot.press(UID, "t:law")
    for _ in range(10):
        await bot.answer_current(UID)
    await bot.send(UID, "/me")
    text = bot.request.last("sendMessage").params["text"]
    assert "完成轮数：1" in text and "总正确率：100%" in text and "法律法规：10/10（100%）" in text


async def test_forget_deletes_after_confirming(bot, engine):
    await bot.send(UID, "/start")
    await bot.send(UID, "/forget")
    assert set(bot.buttons(bot.request.last("sendMessage").params)) == {"f:y", "f:n"}
    await bot.press(UID, "f:n")
    assert bot.request.last("editMessageText").params["text"] == texts.FORGET_CANCELLED
    assert _user(engine) is not None
    await bot.send(UID, "/forget")
    await bot.press(UID, "f:y")
    assert bot.request.last("editMessageText").params["text"] == texts.FORGET_DONE
    assert _user(engine) is None
    await bot.send(UID, "/start")
    assert texts.WELCOME in bot.request.last("sendMessage").params["text"]  # treated as new


async def test_unknown_command_and_free_text_outside_a_round(bot):
    await bot.send(UID, "/dance")
    assert bot.request.last("sendMessage").params["text"] == texts.UNKNOWN_COMMAND
    await bot.send(UID, "你好")
    assert bot.request.last("sendMessage").params["text"] == texts.NOT_IN_ROUND


async def test_blocked_by_403_and_by_my_chat_member(bot, engine):
    await bot.send(UID, "/start")
    bot.request.blocked_chats.add(UID)
    await bot.send(UID, "/help")  # the reply gets 403
    assert _user(engine).blocked is True
    bot.request.blocked_chats.clear()

    def member(status: str) -> dict:
        bot_user = {"id": 4242, "is_bot": True, "first_name": "bot"}
        return {"status": status, "user": bot_user, **({"until_date": 0} if status == "kicked" else {})}

    def member_update(old: str, new: str) -> dict:
        user = Harness.user(UID)
        return {
            "update_id": 900 + len(old),
            "my_chat_member": {
                "chat": {"id": UID, "type": "private"},
                "from": user,
                "date": 1_780_000_000,
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        }

    await bot.feed(member_update("kicked", "member"))
    assert _user(engine).blocked is False
    await bot.feed(member_update("member", "kicked"))
    assert _user(engine).blocked is True
    await bot.send(UID, "/start")  # coming back unblocks
    assert _user(engine).blocked is False


async def test_an_error_is_logged_once_without_token_and_the_user_told(bot, caplog, monkeypatch):
    def boom(who):
        raise RuntimeError(f"database exploded near {TOKEN}")

    monkeypatch.setattr(bot.services.quiz, "stats", boom)
    with caplog.at_level(logging.ERROR):
        await bot.send(UID, "/me")
    assert bot.request.last("sendMessage").params["text"] == texts.ERROR
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1


async def test_quiz_with_a_theme_argument_starts_at_once_and_a_wrong_one_gets_usage(bot):
    await bot.send(UID, "/quiz 体育")
    assert bot.request.last("sendMessage").params["text"] == texts.QUIZ_USAGE
    assert bot.services.quiz.active_question(bot.who(UID)) is None
    await bot.send(UID, "/quiz 印江禁毒实践")
    assert bot.last_message()["text"].startswith("第 1/10 题 · 印江禁毒实践")
    await bot.send(UID, "/quiz law")
    assert bot.last_message()["text"].startswith("第 1/10 题 · 法律法规")
