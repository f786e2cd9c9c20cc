"""The canonical YAML layout, CSV export and import, and the bank's coverage targets."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from bot.bank import coverage_checks, load_bank, packaged_questions_dir, question_files
from bot.bank_io import CSV_COLUMNS, dump_questions, export_csv, import_csv
from tests.test_console import jindu


@pytest.fixture
def bank_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "questions"
    shutil.copytree(packaged_questions_dir(), folder)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _write_csv(path: Path, rows: list[dict[str, str]], *, bom: bool = True, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes((("\ufeff" if bom else "") + buffer.getvalue()).encode(encoding))
    return path


def test_packaged_files_are_in_the_canonical_layout():
    for path in question_files(packaged_questions_dir()):
        bank = load_bank([path])
        assert bank.ok, bank.problems[:3]
        assert dump_questions(bank.questions) == path.read_text(encoding="utf-8"), path.name


def test_the_packaged_bank_meets_every_coverage_target():
    missed = [c for c in coverage_checks(load_bank().questions) if not c.ok]
    assert missed == []


def test_coverage_reports_a_shrunken_bank():
    small = load_bank().questions[:50]
    names = {c.name for c in coverage_checks(small) if not c.ok}
    assert {"total", "grade primary", "theme yinjiang"} <= names


def test_export_then_import_changes_nothing(bank_copy, tmp_path):
    before = _snapshot(bank_copy)
    out = tmp_path / "bank.csv"
    env = {"JINDU_QUESTIONS_DIR": str(bank_copy)}
    assert jindu("questions", "export", "--format", "csv", "--out", str(out), env=env).returncode == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # UTF-8 with BOM, Excel line ends
    assert len(_rows(raw.decode("utf-8"))) == len(load_bank().questions)
    result = jindu("questions", "import", str(out), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "added 0, updated 0, files written 0" in result.stderr
    assert _snapshot(bank_copy) == before


def test_import_updates_in_place_and_adds_new_rows(bank_copy, tmp_path):
    rows = _rows(export_csv(load_bank(question_files(bank_copy)).questions))
    edited = dict(rows[0], explanation="改过的解析：" + rows[0]["explanation"][:150])
    new = dict(
        rows[1],
        id="law-901",
        theme="法律法规",
        kind="判断题",
        grades="初中、高中",
        A="正确",
        B="错误",
        C="",
        D="",
        E="",
        F="",
        answer="a",
        question="按2012年修正的《治安管理处罚法》，这是一道新判断题。",
    )
    path = _write_csv(tmp_path / "edit.csv", [edited, new], bom=False)
    result = import_csv(path, bank_dir=bank_copy)
    assert result.problems == []
    assert (result.updated, result.added) == ([edited["id"]], ["law-901"])
    bank = load_bank(question_files(bank_copy))
    assert bank.ok
    by_id = bank.by_id()
    assert by_id[edited["id"]].explanation.startswith("改过的解析")
    added = by_id["law-901"]
    assert (
        Path(added.file).name == "law.yaml"
        and added.answer == "A"
        and {g.value for g in added.grades}
        == {
            "junior",
            "senior",
        }
    )


def test_new_rows_go_into_the_given_file(bank_copy, tmp_path):
    row = dict(_rows(export_csv(load_bank().questions))[0], id="kn-950", question="一道放进新文件的新题目？")
    into = bank_copy / "extra.yaml"
    result = import_csv(_write_csv(tmp_path / "x.csv", [row]), bank_dir=bank_copy, into=into)
    assert result.added == ["kn-950"] and into in result.written
    assert [q.id for q in load_bank([into]).questions] == ["kn-950"]


def test_an_import_with_errors_reports_each_and_writes_nothing(bank_copy, tmp_path):
    before = _snapshot(bank_copy)
    rows = _rows(export_csv(load_bank().questions))
    good = dict(rows[0], id="kn-990", question="一道合格的新题目？")
    bad_theme = dict(rows[0], id="kn-991", theme="体育", question="主题写错的题？")
    bad_answer = dict(rows[0], id="kn-992", answer="F", question="答案越界的题？")
    no_source = dict(rows[0], id="kn-993", source="", question="没有来源的题？")
    same_id = dict(good, question="重复编号的题？")
    same_text = dict(rows[0], id="kn-994")  # the text of an existing question under a new id
    path = _write_csv(tmp_path / "bad.csv", [good, bad_theme, bad_answer, no_source, same_id, same_text])
    result = import_csv(path, bank_dir=bank_copy)
    assert [str(p) for p in result.problems] == [
        "row 3, column theme: theme must be one of knowledge, harm, prevention, law, history, policy, yinjiang, "
        "got '体育'",
        f"row 4, column answer: answer 'F' names letters outside the options {'ABCDEF'[: len([c for c in 'ABCDEF' if rows[0][c]])]}",
        "row 5, column source: source must be non-empty text",
        "row 6, column id: id kn-990 is also on row 2",
        f"row 7, column question: same question text as {rows[0]['id']}",
    ]
    assert result.added == [] and result.written == []
    assert _snapshot(bank_copy) == before
    cli = jindu("questions", "import", str(path), env={"JINDU_QUESTIONS_DIR": str(bank_copy)})
    assert cli.returncode == 1 and "row 3, column theme" in cli.stdout and "nothing was written" in cli.stderr


def test_import_accepts_a_file_saved_by_chinese_excel(bank_copy, tmp_path):
    row = dict(_rows(export_csv(load_bank().questions))[0], id="kn-960", question="用 GB18030 保存的新题？")
    path = _write_csv(tmp_path / "gbk.csv", [row], bom=False, encoding="gb18030")
    assert import_csv(path, bank_dir=bank_copy).added == ["kn-960"]


def test_import_cli_usage_errors(tmp_path):
    assert jindu("questions", "import", str(tmp_path / "missing.csv")).returncode == 2
    header_only = tmp_path / "h.csv"
    header_only.write_text("id,question\n", encoding="utf-8")
    result = jindu("questions", "import", str(header_only), env={"JINDU_QUESTIONS_DIR": str(tmp_path)})
    assert result.returncode == 1 and "missing column(s)" in result.stdout


def test_the_fact_column_round_trips_and_a_sheet_without_it_keeps_the_keys(bank_copy, tmp_path):
    rows = _rows(export_csv(load_bank(question_files(bank_copy)).questions))
    assert CSV_COLUMNS[-1] == "fact" and all("fact" in row for row in rows)
    keyed = dict(rows[0], fact="new-fact-key")
    result = import_csv(_write_csv(tmp_path / "keyed.csv", [keyed]), bank_dir=bank_copy)
    assert (result.problems, result.updated) == ([], [keyed["id"]])
    assert load_bank(question_files(bank_copy)).by_id()[keyed["id"]].fact == "new-fact-key"
    again = _rows(export_csv(load_bank(question_files(bank_copy)).questions))
    assert again[0]["fact"] == "new-fact-key"

    before = _snapshot(bank_copy)
    old_sheet = tmp_path / "old.csv"  # a sheet saved before the column existed
    columns = [c for c in CSV_COLUMNS if c != "fact"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(again[0])
    old_sheet.write_text(buffer.getvalue(), encoding="utf-8")
    result = import_csv(old_sheet, bank_dir=bank_copy)
    assert (result.problems, result.updated, result.written) == ([], [], [])
    assert _snapshot(bank_copy) == before

    bad = dict(again[0], fact="Not A Slug")
    result = import_csv(_write_csv(tmp_path / "bad.csv", [bad]), bank_dir=bank_copy)
    assert [(p.row, p.column) for p in result.problems] == [(2, "fact")]
