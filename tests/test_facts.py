"""Fact groups: one fact once per round, the near-duplicate warning, and facts in stats and CSV."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bank import bank_stats, load_bank, near_duplicates
from bot.bank_io import dump_questions
from bot.engine.model import GRADES, THEMES, Grade, Theme
from bot.engine.selection import select_round
from bot.services import QuizService
from tests.factories import small_bank
from tests.test_console import jindu

NOW = datetime(2026, 6, 26, 4, 0, tzinfo=UTC)
GROUP = ("law-000", "harm-001", "policy-002")  # three themes, one fact


def _bank_with_a_group(fact: str = "one-fact") -> list:
    return [replace(q, fact=fact) if q.id in GROUP else q for q in small_bank()]


def _question(qid: str, text: str, *, options: str = "[正确, 错误]", kind: str = "judge", fact: str = "") -> str:
    return (
        f"  - id: {qid}\n    theme: law\n    grades: [senior]\n    kind: {kind}\n    difficulty: 1\n"
        f"    question: {text}\n    options: {options}\n    answer: A\n"
        f"    explanation: 解释。\n    source: 来源\n" + (f"    fact: {fact}\n" if fact else "")
    )


# -- selection -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 10, 24])
def test_a_round_never_holds_two_questions_of_a_three_question_group(size):
    bank = _bank_with_a_group()
    for seed in range(200):
        chosen = select_round(bank, last_seen={}, rng=random.Random(seed), size=size)
        assert sum(q.id in GROUP for q in chosen) <= 1, (seed, [q.id for q in chosen])
    # 24 questions make 22 groups: a round asking for all of them gets one of the group.
    everything = select_round(bank, last_seen={}, rng=random.Random(1), size=24)
    assert len(everything) == 22 and sum(q.id in GROUP for q in everything) == 1


def test_a_seen_question_of_a_group_does_not_bring_a_second_one_into_the_round():
    bank = _bank_with_a_group()
    seen = {q.id: NOW for q in bank if q.id != "law-000"}  # only law-000 of the group is unseen
    for seed in range(50):
        chosen = [q.id for q in select_round(bank, last_seen=seen, rng=random.Random(seed), size=22)]
        assert "law-000" in chosen  # unseen first
        assert not {"harm-001", "policy-002"} & set(chosen)


def test_groups_keep_the_round_repeatable_and_ordered_easy_to_hard():
    bank = _bank_with_a_group()
    first = [q.id for q in select_round(bank, last_seen={}, rng=random.Random(8), size=10)]
    again = [q.id for q in select_round(bank, last_seen={}, rng=random.Random(8), size=10)]
    assert first == again
    difficulties = [q.difficulty for q in select_round(bank, last_seen={}, rng=random.Random(8), size=10)]
    assert difficulties == sorted(difficulties)


def test_the_packaged_bank_never_asks_one_fact_twice_and_still_fills_rounds():
    questions = load_bank().questions
    for theme in (None, *map(Theme, THEMES)):
        for grade in (None, *map(Grade, GRADES)):
            pool = [
                q for q in questions if (theme is None or q.theme == theme) and (grade is None or grade in q.grades)
            ]
            for seed in range(5):
                chosen = select_round(questions, last_seen={}, rng=random.Random(seed), theme=theme, grade=grade)
                assert len({q.group for q in chosen}) == len(chosen)
                assert len(chosen) == min(10, len(pool)), (theme, grade)


def test_review_brings_back_the_exact_question_missed(engine, clock, alice):
    bank = _bank_with_a_group()
    service = QuizService(engine, bank, zone=ZoneInfo("Asia/Shanghai"), clock=clock, rng=random.Random(3))
    view = service.start_round(alice, size=24)
    missed = set()
    while view is not None:
        wrong = next(letter for letter, _ in view.options if letter not in view.answer_shown)
        missed.add(view.question.id)
        view = service.answer(alice, view.round_id, view.position, wrong).next_question
    clock.advance(days=2)
    view = service.start_review(alice, size=30)
    reviewed = set()
    while view is not None:
        reviewed.add(view.question.id)
        view = service.answer(alice, view.round_id, view.position, view.answer_shown).next_question
    assert reviewed == missed and len(missed & set(GROUP)) == 1


# -- the fact key in the bank ----------------------------------------------------------------------


def test_fact_keys_load_and_bad_ones_are_problems(tmp_path: Path):
    path = tmp_path / "facts.yaml"
    path.write_text(
        "questions:\n"
        + _question("f-001", "第一题？", fact="wastewater-testing")
        + _question("f-002", "第二题？", fact="Wastewater Testing")
        + _question("f-003", "第三题？", fact="x" * 41)
        + _question("f-004", "第四题？", fact="2016"),
        encoding="utf-8",
    )
    bank = load_bank([path])
    assert [q.fact for q in bank.questions] == ["wastewater-testing"]
    assert [(p.question_id, p.field) for p in bank.problems] == [
        ("f-002", "fact"),
        ("f-003", "fact"),
        ("f-004", "fact"),
    ]
    assert "such as 'wastewater-testing'" in bank.problems[0].message


def test_the_canonical_layout_writes_the_fact_after_the_source(tmp_path: Path):
    path = tmp_path / "one.yaml"
    path.write_text("questions:\n" + _question("f-001", "第一题？", fact="one-fact"), encoding="utf-8")
    assert dump_questions(load_bank([path]).questions) == path.read_text(encoding="utf-8")


def test_stats_count_distinct_facts_per_theme():
    stats = bank_stats(_bank_with_a_group())
    assert stats["by_theme"]["law"] == 4 and stats["facts_by_theme"]["law"] == 4  # law-000 is one fact
    assert sum(stats["facts_by_theme"].values()) == 24  # a cross-theme group counts in each of its themes
    assert bank_stats([replace(q, fact="same") for q in small_bank()])["facts_by_theme"]["harm"] == 1


def test_stats_cli_reports_facts_in_text_and_json():
    figures = json.loads(jindu("questions", "stats", "--json").stdout)["facts_by_theme"]
    assert set(figures) == set(THEMES) and all(figures.values())
    text = jindu("questions", "stats").stdout
    assert "distinct facts" in text and f"yinjiang 印江禁毒实践: {figures['yinjiang']}" in text


# -- the near-duplicate warning --------------------------------------------------------------------

NEAR_A = "禁毒只是警察的事，和我们学生没有关系。"
NEAR_B = "禁毒只是警察叔叔的事，和我们学生没有关系。"


def test_check_warns_on_a_near_identical_pair_without_a_key_and_still_passes(tmp_path: Path):
    path = tmp_path / "near.yaml"
    path.write_text(
        "questions:\n" + _question("n-001", NEAR_A) + _question("n-002", NEAR_B) + _question("n-003", "贩毒是犯罪。"),
        encoding="utf-8",
    )
    bank = load_bank([path])
    assert bank.ok and [(w.question_id, w.line) for w in bank.warnings] == [("n-002", 12)]
    result = jindu("questions", "check", str(path))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"{path}:12: n-002: warning: wording nearly the same as {path}:2 (n-001), similarity 0.90: "
        "give both the same 'fact' key if they ask one fact, else reword one"
    ]
    assert "1 warning(s)" in result.stderr


def test_check_is_quiet_about_a_near_pair_that_shares_a_key(tmp_path: Path):
    path = tmp_path / "keyed.yaml"
    path.write_text(
        "questions:\n"
        + _question("n-001", NEAR_A, fact="everyones-duty")
        + _question("n-002", NEAR_B, fact="everyones-duty"),
        encoding="utf-8",
    )
    assert load_bank([path]).warnings == []
    result = jindu("questions", "check", str(path))
    assert result.returncode == 0 and result.stdout == ""


def test_near_duplicates_compare_the_options_too(tmp_path: Path):
    path = tmp_path / "stems.yaml"
    stem = "按来源分类，下列毒品属于哪一类？"
    path.write_text(
        "questions:\n"
        + _question("s-001", stem, kind="single", options="[天然毒品, 半合成毒品, 合成毒品]")
        + _question("s-002", stem + "请选择", kind="single", options="[兴奋剂, 抑制剂, 致幻剂]"),
        encoding="utf-8",
    )
    assert near_duplicates(load_bank([path]).questions) == []


def test_the_packaged_bank_has_no_unkeyed_near_duplicates():
    assert [str(w) for w in load_bank().warnings] == []
