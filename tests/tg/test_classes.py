"""Teachers and classes in the private chat: the whole path from an admin's invite to a report with a chart."""

from __future__ import annotations

import csv
import io

from bot.tg import texts
from tests.tg.conftest import ADMIN

TEACHER, STUDENT, OTHER = 5001, 5002, 5003


async def _teacher_with_class(bot) -> str:
    await bot.send(ADMIN, "/invite")
    code = bot.request.last("sendMessage").params["text"].splitlines()[1]
    await bot.send(TEACHER, f"/teacher {code}")
    assert bot.request.last("sendMessage").params["text"] == texts.TEACHER_DONE
    await bot.send(TEACHER, "/newclass 初二(3)班")
    created = bot.request.last("sendMessage").params["text"]
    link = next(line for line in created.splitlines() if line.startswith("https://t.me/"))
    assert link.startswith("https://t.me/jindu_quiz_bot?start=join_")
    return link.rsplit("join_", 1)[1]


async def test_from_invite_to_report_chart_and_export(bot):
    code = await _teacher_with_class(bot)
    await bot.send(STUDENT, f"/start join_{code}")  # the deep link
    assert bot.request.last("sendMessage").params["text"] == texts.JOIN_ASK_NAME.format(name="初二(3)班")
    await bot.send(STUDENT, "王小明")
    assert bot.request.last("sendMessage").params["text"] == texts.ROSTER_SAVED.format(name="初二(3)班")
    await bot.send(STUDENT, "/quiz law")
    for _ in range(10):
        await bot.answer_current(STUDENT)

    await bot.send(STUDENT, "/rank")
    board = bot.request.last("sendMessage").params
    assert board["text"].startswith("🏆 初二(3)班 · 本周排行榜") and "王小明" not in board["text"]
    assert set(bot.buttons(board)) == {"k:week", "k:month", "k:all"}
    await bot.press(STUDENT, "k:all")
    assert bot.request.last("editMessageText").params["text"].startswith("🏆 初二(3)班 · 全部排行榜")

    await bot.send(TEACHER, "/leaderboard all")
    assert "1. 王小明（" in bot.request.last("sendMessage").params["text"]
    await bot.send(TEACHER, "/report week")
    report = bot.request.last("sendMessage").params["text"]
    assert report.startswith("📊 初二(3)班 · 本周报告\n参与率：1/1（100%）")
    method, multipart, _ = bot.request.files[-1]
    assert method == "sendPhoto"
    photo = next(part for part in multipart.values())
    assert photo[1][:8] == b"\x89PNG\r\n\x1a\n"
    await bot.send(TEACHER, "/export")
    method, multipart, params = bot.request.files[-1]
    assert method == "sendDocument" and params["caption"] == texts.EXPORT_CAPTION.format(name="初二(3)班")
    filename, data = next(iter(multipart.values()))[:2]
    assert filename == "初二(3)班.csv" and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0] == "王小明" and rows[1][2:5] == ["1", "10", "10"]


async def test_who_may_see_what(bot):
    code = await _teacher_with_class(bot)
    await bot.send(STUDENT, f"/join {code}")
    await bot.send(STUDENT, "王小明")
    for command in ("/leaderboard", "/report", "/export", "/myclasses", "/closeclass", "/newclass 二班"):
        await bot.send(OTHER, command)
        assert bot.request.last("sendMessage").params["text"] == texts.TEACHER_ONLY, command
    await bot.send(OTHER, "/invite")
    assert bot.request.last("sendMessage").params["text"] == texts.ADMIN_ONLY
    # another teacher naming this class hears what a missing class gets
    await bot.send(ADMIN, "/invite")
    second = bot.request.last("sendMessage").params["text"].splitlines()[1]
    await bot.send(OTHER, f"/teacher {second}")
    for ref in (code, "NOSUCH99"):
        await bot.send(OTHER, f"/report {ref}")
        assert bot.request.last("sendMessage").params["text"] == texts.CLASS_UNKNOWN
    sent = " ".join(c.params.get("text", "") for c in bot.request.of("sendMessage") if c.params["chat_id"] != TEACHER)
    assert "王小明" not in sent.replace(texts.ROSTER_SAVED.format(name="初二(3)班"), "")


async def test_wrong_codes_switching_and_leaving(bot):
    code = await _teacher_with_class(bot)
    await bot.send(TEACHER, "/newclass 初二(4)班")
    other_code = bot.request.last("sendMessage").params["text"].split("加入码：")[1].split()[0]
    await bot.send(STUDENT, "/join NOTACODE")
    assert bot.request.last("sendMessage").params["text"] == texts.CODE_INVALID
    await bot.send(STUDENT, f"/join {code}")
    await bot.send(STUDENT, "名" * 21)
    assert bot.request.last("sendMessage").params["text"] == texts.ROSTER_REJECTED
    await bot.send(STUDENT, "王小明")
    await bot.send(STUDENT, f"/join {other_code}")
    confirm = bot.request.last("sendMessage").params
    assert confirm["text"] == texts.JOIN_CONFIRM.format(current="初二(3)班", name="初二(4)班")
    await bot.press(STUDENT, "j:-")
    assert bot.request.last("editMessageText").params["text"] == texts.JOIN_KEPT
    await bot.send(STUDENT, f"/join {other_code}")
    await bot.press(STUDENT, f"j:{other_code}")
    assert bot.request.last("editMessageText").params["text"] == texts.JOIN_ASK_NAME.format(name="初二(4)班")
    await bot.send(STUDENT, "王小明")
    await bot.send(STUDENT, "/leave")
    assert bot.request.last("sendMessage").params["text"] == texts.LEFT_CLASS.format(name="初二(4)班")
    for _ in range(5):
        await bot.send(OTHER, "/join ZZZZZZZZ")
    await bot.send(OTHER, f"/join {code}")
    assert bot.request.last("sendMessage").params["text"] == texts.TOO_MANY_CODES


async def test_a_forged_switch_button_joins_nothing(bot):
    await _teacher_with_class(bot)
    await bot.feed(bot.callback_update(STUDENT, "j:ACDEFGHJ"))
    assert bot.answer_alerts()[-1] == (texts.CODE_INVALID, True)
    assert bot.services.classes.awaiting_roster_name(bot.who(STUDENT)) is None


async def test_name_corrects_the_roster_name_and_a_duplicate_class_name_is_refused(bot):
    code = await _teacher_with_class(bot)
    await bot.send(TEACHER, "/newclass 初二(3)班")
    assert bot.request.last("sendMessage").params["text"] == texts.CLASS_NAME_TAKEN.format(name="初二(3)班")
    await bot.send(STUDENT, f"/join {code}")
    await bot.send(STUDENT, "王小名")
    await bot.send(STUDENT, "/name 王小明")
    assert bot.request.last("sendMessage").params["text"] == texts.ROSTER_SAVED.format(name="初二(3)班")
    await bot.send(TEACHER, "/leaderboard")
    assert "王小明（" in bot.request.last("sendMessage").params["text"]
    await bot.send(OTHER, "/name 李华")
    assert bot.request.last("sendMessage").params["text"] == texts.NOT_IN_CLASS
