"""The pure engine: fixed `now`, seeded rng, exact expectations."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.engine import (
    grade,
    local_day,
    points_for,
    select_round,
    shuffle_options,
    streak_length,
    to_original,
    to_shown,
)
from bot.engine.model import Grade, Kind, Theme
from bot.engine.selection import difficulty_quota
from bot.engine.shuffle import shown_options
from tests.factories import make_question, small_bank

NOW = datetime(2026, 6, 26, 4, 0, tzinfo=UTC)


# -- selection -------------------------------------------------------------------------------------


def test_round_has_requested_size_and_distinct_questions():
    chosen = select_round(small_bank(), last_seen={}, rng=random.Random(1), size=10)
    assert len(chosen) == 10
    assert len({q.id for q in chosen}) == 10


def test_same_seed_same_round_and_different_seed_differs():
    bank = small_bank()
    first = [q.id for q in select_round(bank, last_seen={}, rng=random.Random(3), size=8)]
    again = [q.id for q in select_round(bank, last_seen={}, rng=random.Random(3), size=8)]
    other = [q.id for q in select_round(bank, last_seen={}, rng=random.Random(4), size=8)]
    assert first == again
    assert first != other


def test_unseen_questions_come_before_seen_ones():
    bank = small_bank()
    seen = {q.id: NOW for q in bank[:20]}
    chosen = select_round(bank, last_seen=seen, rng=random.Random(1), size=6)
    unseen_ids = {q.id for q in bank[20:]}
    assert unseen_ids <= {q.id for q in chosen}  # all 4 unseen are in
    assert sum(q.id in seen for q in chosen) == 2


def test_least_recently_seen_are_preferred_when_all_seen():
    bank = [make_question(f"q-{i:03d}", difficulty=1) for i in range(10)]
    seen = {q.id: NOW - timedelta(days=i) for i, q in enumerate(bank)}  # q-009 is the oldest
    chosen = select_round(bank, last_seen=seen, rng=random.Random(1), size=3)
    assert {q.id for q in chosen} == {"q-009", "q-008", "q-007"}


def test_difficulty_mix_and_easy_to_hard_order():
    bank = [make_question(f"q-{d}-{i:02d}", difficulty=d) for d in (1, 2, 3) for i in range(10)]
    chosen = select_round(bank, last_seen={}, rng=random.Random(5), size=10)
    assert [q.difficulty for q in chosen] == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3]


def test_difficulty_quota_always_sums_to_size():
    for size in range(1, 25):
        assert sum(difficulty_quota(size).values()) == size


def test_mix_fills_from_other_levels_when_one_runs_short():
    bank = [make_question(f"e-{i}", difficulty=1) for i in range(10)] + [make_question("h-0", difficulty=3)]
    chosen = select_round(bank, last_seen={}, rng=random.Random(2), size=10)
    assert len(chosen) == 10
    assert "h-0" in {q.id for q in chosen}


def test_filters_by_theme_and_grade():
    bank = [
        make_question("a-001", theme=Theme.LAW, grades=(Grade.SENIOR,)),
        make_question("a-002", theme=Theme.LAW, grades=(Grade.PRIMARY,)),
        make_question("a-003", theme=Theme.HARM, grades=(Grade.PRIMARY,)),
    ]
    assert [
        q.id for q in select_round(bank, last_seen={}, rng=random.Random(), theme=Theme.LAW, grade=Grade.PRIMARY)
    ] == ["a-002"]
    assert select_round(bank, last_seen={}, rng=random.Random(), theme=Theme.YINJIANG) == []


def test_select_round_does_not_change_its_inputs():
    bank = small_bank()
    before = list(bank)
    seen = {bank[0].id: NOW}
    select_round(bank, last_seen=seen, rng=random.Random(1), size=5)
    assert bank == before
    assert seen == {bank[0].id: NOW}


def test_size_must_be_positive():
    with pytest.raises(ValueError):
        select_round(small_bank(), last_seen={}, rng=random.Random(), size=0)


# -- shuffling -------------------------------------------------------------------------------------


def test_judge_options_keep_their_order():
    judge = make_question("j-001", kind=Kind.JUDGE)
    assert {shuffle_options(judge, random.Random(seed)) for seed in range(20)} == {"AB"}


def test_single_options_are_shuffled_and_mapped_back():
    q = make_question("s-001")  # answer B = 乙
    orders = {shuffle_options(q, random.Random(seed)) for seed in range(30)}
    assert len(orders) > 5
    for order in orders:
        assert sorted(order) == list("ABCD")
        shown_right = to_shown(order, q.answer)
        assert to_original(order, shown_right) == "B"
        assert dict(shown_options(q, order))[shown_right] == "乙"


def test_to_original_rejects_letters_not_shown():
    with pytest.raises(ValueError):
        to_original("BA", "C")
    assert to_original("CADB", "ac") == "CD"


# -- grading and points ----------------------------------------------------------------------------


def test_grading_single_judge_and_exact_set_for_multiple():
    single, judge, multiple = (
        make_question("x-1"),
        make_question("x-2", kind=Kind.JUDGE),
        make_question("x-3", kind=Kind.MULTIPLE),
    )
    assert grade(single, "B") and not grade(single, "A")
    assert grade(judge, "A") and not grade(judge, "B")
    assert grade(multiple, "CA")
    assert not grade(multiple, "A")  # a subset is wrong
    assert not grade(multiple, "ACD")  # a superset is wrong


@pytest.mark.parametrize(("difficulty", "points"), [(1, 10), (2, 15), (3, 20)])
def test_points_by_difficulty_first_correct_answer_only(difficulty, points):
    q = make_question("p-1", difficulty=difficulty)
    assert points_for(q, correct=True, earned_before=False) == points
    assert points_for(q, correct=True, earned_before=True) == 0
    assert points_for(q, correct=False, earned_before=False) == 0


# -- streaks ---------------------------------------------------------------------------------------


def test_streak_counts_consecutive_days_ending_today_or_yesterday():
    today = date(2026, 6, 26)
    days = [date(2026, 6, 24), date(2026, 6, 25), date(2026, 6, 26), date(2026, 6, 20)]
    assert streak_length(days, today=today) == 3
    assert streak_length(days[:2], today=today) == 2  # not played today yet: still alive
    assert streak_length(days[:2], today=date(2026, 6, 27)) == 0  # a whole day missed
    assert streak_length([], today=today) == 0


def test_local_day_uses_the_zone_not_utc():
    shanghai = ZoneInfo("Asia/Shanghai")
    late_utc = datetime(2026, 6, 25, 17, 30, tzinfo=UTC)  # 01:30 on the 26th in Shanghai
    assert local_day(late_utc, shanghai) == date(2026, 6, 26)
    with pytest.raises(ValueError):
        local_day(datetime(2026, 6, 25, 17, 30), shanghai)


# -- spaced review and nicknames -------------------------------------------------------------------


def test_review_schedule_misses_come_back_sooner_than_right_answers():
    from bot.engine.review import schedule_review

    missed, missed_due = schedule_review(None, correct=False, now=NOW)
    right, right_due = schedule_review(None, correct=True, now=NOW)
    assert NOW < missed_due < right_due
    _, again_due = schedule_review(right, correct=True, now=right_due)
    assert again_due - right_due > right_due - NOW  # intervals grow with each right answer
    assert schedule_review(missed, correct=True, now=missed_due) == schedule_review(
        missed, correct=True, now=missed_due
    )


def test_nickname_rules():
    from bot.engine.names import NicknameProblem, clean_nickname, nickname_problem, pseudonym

    assert nickname_problem(clean_nickname("  禁毒  小卫士 ")) is None
    assert clean_nickname("  禁毒  小卫士 ") == "禁毒 小卫士"
    assert nickname_problem("") is NicknameProblem.EMPTY
    assert nickname_problem("长" * 17) is NicknameProblem.TOO_LONG
    assert nickname_problem("长" * 16) is None
    assert nickname_problem("hi @bob") is NicknameProblem.MENTION
    assert nickname_problem("www.example.com") is NicknameProblem.LINK
    assert nickname_problem("a\u202eb") is NicknameProblem.CONTROL
    assert pseudonym(random.Random(1)) == pseudonym(random.Random(1))
