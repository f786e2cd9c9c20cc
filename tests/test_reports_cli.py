"""The command line of teachers' data, and the report chart with and without a CJK font."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import random
from zoneinfo import ZoneInfo

import pytest

from bot import charts
from bot.bank import load_bank
from bot.cli import main
from bot.engine.periods import Period
from bot.services import Identity
from bot.tg.context import BotServices
from db.session import make_engine
from tests.factories import fill_class

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def school(tmp_path):
    """A database with a class of three (two played a round) and its code."""
    db = str(tmp_path / "school.db")
    engine = make_engine(db)
    services = BotServices.build(engine, load_bank().questions, zone=ZoneInfo("Asia/Shanghai"), seed=3)
    (code,) = services.classes.create_invites(None)
    teacher = Identity("telegram", "2")
    services.classes.become_teacher(teacher, code)
    cls = services.classes.new_class(teacher, "初二(3)班")
    fill_class(services, cls.code, rng=random.Random(1))
    engine.dispose()
    return db, cls.code, services


def test_teacher_invite_prints_one_code_per_line(tmp_path, capsys):
    assert main(["teacher", "invite", "--count", "3", "--db", str(tmp_path / "x.db")]) == 0
    codes = capsys.readouterr().out.split()
    assert len(codes) == 3 and len(set(codes)) == 3 and all(len(c) >= 8 for c in codes)


def test_leaderboard_report_and_export_commands(school, tmp_path, capsys):
    db, code, _ = school
    assert main(["leaderboard", "--db", db, "--class", code, "--period", "all", "--json"]) == 0
    board = json.loads(capsys.readouterr().out)
    assert board["class"] == "初二(3)班" and len(board["rows"]) == 3
    assert {r["roster_name"] for r in board["rows"]} == {"王小明", "李华", "张伟"}
    assert main(["leaderboard", "--db", db]) == 0
    everyone = capsys.readouterr().out
    assert everyone.startswith("全体同学 · 本周排行") and "王小明" not in everyone  # nicknames only
    chart = tmp_path / "r.png"
    assert main(["report", "--db", db, "--class", code, "--json", "--chart", str(chart)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["members"], report["participants"]) == (3, 2)
    assert sum(t["answered"] for t in report["themes"].values()) == 20
    assert chart.read_bytes().startswith(PNG)
    out = tmp_path / "c.csv"
    assert main(["export", "--db", db, "--class", code, "--out", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and len(rows) == 4
    with pytest.raises(SystemExit) as stop:
        main(["report", "--db", db, "--class", "NOSUCH99"])
    assert stop.value.code == 1 and "没有这个班级" in capsys.readouterr().err


def test_the_chart_draws_chinese_with_a_cjk_font_and_says_why_without(school, monkeypatch, caplog):
    _, code, services = school
    report = services.reports.report(None, code, Period.ALL)
    charts.cjk_font.cache_clear()
    if charts.cjk_font() is None:
        assert os.environ.get("JINDU_CJK_FONT") != "required", "no CJK font: .ci/run installs fonts-wqy-microhei"
        pytest.skip("no CJK font installed here (.ci/run installs fonts-wqy-microhei)")
    assert charts.report_chart(report).startswith(PNG)
    monkeypatch.setattr(charts, "CJK_FONTS", ("No Such Font",))
    charts.cjk_font.cache_clear()
    with caplog.at_level(logging.WARNING):
        fallback = charts.report_chart(report)
    charts.cjk_font.cache_clear()
    assert fallback.startswith(PNG)
    assert any("no CJK font" in r.getMessage() for r in caplog.records)
