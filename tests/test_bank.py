"""Loading and validating question files, with the exact messages authors see."""

from __future__ import annotations

from pathlib import Path

from bot.bank import bank_stats, load_bank, normalized_text
from bot.engine.model import Grade, Kind, Theme
from tests.conftest import FIXTURES

GOOD = FIXTURES / "good.yaml"
BROKEN = FIXTURES / "broken.yaml"
SYNTAX = FIXTURES / "syntax.yaml"


def test_good_file_loads_into_questions():
    bank = load_bank([GOOD])
    assert bank.ok
    assert [q.id for q in bank.questions] == ["t-001", "t-002", "t-003"]
    first = bank.questions[0]
    assert first.theme is Theme.LAW and first.kind is Kind.SINGLE
    assert first.grades == {Grade.JUNIOR, Grade.SENIOR}
    assert first.options == ("鸦片", "海洛因", "可卡因", "咖啡因")
    assert first.answer == "D" and first.line == 2
    assert bank.questions[2].answer == "ABC"


def test_broken_file_reports_every_problem_with_file_line_and_id():
    bank = load_bank([GOOD, BROKEN])
    f = str(BROKEN)
    assert [str(p) for p in bank.problems] == [
        f"{f}:2: b-001: theme must be one of knowledge, harm, prevention, law, history, policy, yinjiang, got 'sports'",
        f"{f}:2: b-001: answer 'C' names letters outside the options AB",
        f"{f}:12: b-002: grade must be one of primary, junior, senior, got 'college'",
        f"{f}:12: b-002: difficulty must be 1, 2 or 3, got 4",
        f"{f}:12: b-002: judge questions must have options [正确, 错误]",
        f"{f}:22: b-003: options A and C are the same",
        f"{f}:22: b-003: a multiple question has at least two answer letters, got 'A'",
        f"{f}:22: b-003: source must be non-empty text",
        f"{f}:32: t-001: duplicate id, first at {GOOD}:2",
        f"{f}:42: b-005: same question text as {GOOD}:2 (t-001)",
        f"{f}:52: b-006: missing field 'source'",
        f"{f}:52: b-006: unknown field 'sorce'",
        f"{f}:52: b-006: explanation has more than 2 line breaks",
    ]
    assert [q.id for q in bank.questions] == ["t-001", "t-002", "t-003"]


def test_yaml_syntax_error_is_a_problem_with_its_line_not_a_traceback():
    bank = load_bank([SYNTAX])
    assert [str(p) for p in bank.problems] == [f"{SYNTAX}:5: -: YAML syntax error: did not find expected ',' or ']'"]


def test_length_limits_match_telegram_quiz_polls(tmp_path: Path):
    long_file = tmp_path / "long.yaml"
    long_file.write_text(
        "questions:\n"
        "  - id: l-001\n    theme: law\n    grades: [senior]\n    kind: single\n    difficulty: 1\n"
        f"    question: {'问' * 301}\n"
        f"    options: [{'甲' * 101}, 乙]\n    answer: A\n"
        f"    explanation: {'解' * 201}\n    source: 来源\n",
        encoding="utf-8",
    )
    messages = [p.message for p in load_bank([long_file]).problems]
    assert messages == [
        "question is 301 characters, at most 300",
        "option A is 101 characters, at most 100",
        "explanation is 201 characters, at most 200",
    ]


def test_file_without_questions_list(tmp_path: Path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("title: nothing here\n", encoding="utf-8")
    assert [str(p) for p in load_bank([empty]).problems] == [
        f"{empty}:1: -: the file must have a top-level list 'questions:'"
    ]


def test_normalized_text_ignores_spaces_and_punctuation():
    assert normalized_text("吸毒是违法， 贩毒是犯罪。") == normalized_text("吸毒是违法,贩毒是犯罪")
    assert normalized_text("A") != normalized_text("B")


def test_stats_count_every_key_including_zeros():
    stats = bank_stats(load_bank([GOOD]).questions)
    assert stats["total"] == 3
    assert stats["by_theme"]["law"] == 2 and stats["by_theme"]["yinjiang"] == 0
    assert stats["by_grade"] == {"primary": 1, "junior": 1, "senior": 2}
    assert stats["by_kind"] == {"single": 1, "multiple": 1, "judge": 1}
    assert stats["by_difficulty"] == {"1": 2, "2": 0, "3": 1}


def test_explanations_may_not_point_at_shuffled_options(tmp_path: Path):
    path = tmp_path / "ref.yaml"
    path.write_text(
        "questions:\n  - id: r-001\n    theme: law\n    grades: [senior]\n    kind: single\n    difficulty: 1\n"
        "    question: 哪一项对？\n    options: [甲, 乙, 丙]\n    answer: A\n"
        "    explanation: 前两项都对，但只有甲是法律原文。\n    source: 来源\n",
        encoding="utf-8",
    )
    assert [p.message for p in load_bank([path]).problems] == [
        "explanation points at options by letter or position ('前两项'); options are shuffled when shown, name them instead"
    ]
