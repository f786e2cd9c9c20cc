"""jindu reminders preview and send-due."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main, send_due
from bot.config import Settings
from bot.services import AccountService, Identity
from db.session import make_engine
from tests.tg.recorder import RecordingRequest


def test_preview_lists_what_goes_out_when_and_to_whom(capsys):
    assert main(["reminders", "preview", "--from", "2026-06-25", "--to", "2026-06-26", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [(i["date"], i["time"], i["key"]) for i in items] == [
        ("2026-06-25", "17:30", "june-daily"),
        ("2026-06-26", "08:00", "international-day"),
        ("2026-06-26", "17:30", "june-daily"),
    ]
    assert "第39个国际禁毒日" in items[1]["text"] and items[1]["audience"] == "subscribed students"
    assert main(["reminders", "preview", "--from", "2026-06-26", "--to", "2026-06-01"]) == 2


def test_send_due_at_the_same_moment_twice_sends_once(tmp_path, monkeypatch):
    db = str(tmp_path / "bot.db")
    engine = make_engine(db)
    for uid in ("11", "12"):
        AccountService(engine).start(Identity("telegram", uid))
    engine.dispose()
    settings = Settings(bot_token="123:TEST", database_url=db)
    now = datetime(2026, 6, 26, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    request = RecordingRequest()
    first = asyncio.run(send_due(settings, now=now, request=request))
    second = asyncio.run(send_due(settings, now=now, request=request))
    assert first == {"sent": 2} and second == {}
    assert sorted(c.params["chat_id"] for c in request.of("sendMessage")) == [11, 12]


def test_send_due_needs_a_token_and_an_offset(monkeypatch, capsys):
    monkeypatch.delenv("JINDU_BOT_TOKEN", raising=False)
    assert main(["reminders", "send-due"]) == 2
    assert "JINDU_BOT_TOKEN" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["reminders", "send-due", "--now", "2026-06-26T08:30"])
    assert stop.value.code == 2 and "UTC offset" in capsys.readouterr().err
