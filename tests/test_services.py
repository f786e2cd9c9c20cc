"""Quiz use cases on a real SQLite file."""

from __future__ import annotations

import random
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from bot.engine.model import Grade, Kind, Theme
from bot.services import AlreadyAnswered, InvalidChoice, NoQuestions, QuizService, RoundClosed, RoundNotFound
from bot.services.common import Identity
from db.models import User
from db.session import read_scope
from tests.factories import make_question, small_bank


def _play_round(service, who, *, right: bool, size: int = 4):
    """Answer a whole round, all right or all wrong; returns the outcomes."""
    view = service.start_round(who, size=size)
    outcomes = []
    while view is not None:
        shown = view.answer_shown if right else _wrong(view)
        outcome = service.answer(who, view.round_id, view.position, shown)
        outcomes.append(outcome)
        view = outcome.next_question
    return outcomes


def _wrong(view) -> str:
    return next(letter for letter, _ in view.options if letter not in view.answer_shown)


def test_a_round_plays_to_a_summary(service, alice):
    outcomes = _play_round(service, alice, right=True, size=4)
    assert len(outcomes) == 4 and all(o.correct for o in outcomes)
    assert outcomes[-1].finished
    summary = service.summary(alice, outcomes[0].view.round_id)
    assert (summary.answered, summary.correct, summary.total) == (4, 4, 4)
    assert summary.points_earned == sum(o.points for o in outcomes) > 0
    assert summary.total_points == summary.points_earned
    assert summary.streak == 1
    assert summary.weakest_theme is None


def test_wrong_answers_name_the_weakest_theme_and_earn_nothing(service, alice):
    outcomes = _play_round(service, alice, right=False, size=3)
    summary = service.summary(alice, outcomes[0].view.round_id)
    assert summary.correct == 0 and summary.points_earned == 0
    assert summary.weakest_theme in set(Theme)


def test_multiple_choice_is_right_only_for_the_exact_set(engine, clock, alice):
    multi = make_question("m-001", kind=Kind.MULTIPLE)  # answer AC
    service = QuizService(engine, [multi], zone=ZoneInfo("Asia/Shanghai"), clock=clock, rng=random.Random(1))
    view = service.start_round(alice, size=1)
    partial = view.answer_shown[0]
    outcome = service.answer(alice, view.round_id, 0, partial)
    assert not outcome.correct and outcome.points == 0
    view = service.start_round(alice, size=1)
    assert service.answer(alice, view.round_id, 0, view.answer_shown).correct


def test_replaying_cannot_farm_points(service, alice):
    first = _play_round(service, alice, right=True, size=24)
    earned = sum(o.points for o in first)
    second = _play_round(service, alice, right=True, size=24)  # the same 24 questions again
    assert sum(o.points for o in second) == 0
    assert service.stats(alice).total_points == earned


def test_a_double_answer_counts_once_and_changes_nothing(service, alice):
    view = service.start_round(alice, size=3)
    service.answer(alice, view.round_id, 0, view.answer_shown)
    before = service.stats(alice)
    with pytest.raises(AlreadyAnswered):
        service.answer(alice, view.round_id, 0, _wrong(view))
    assert service.stats(alice) == before


def test_a_button_of_an_abandoned_round_is_refused(service, alice):
    old = service.start_round(alice, size=3)
    service.start_round(alice, size=3)  # replaces the old round
    with pytest.raises(RoundClosed):
        service.answer(alice, old.round_id, 0, old.answer_shown)
    assert service.stats(alice).total_points == 0


def test_a_finished_round_refuses_more_answers(service, alice):
    outcomes = _play_round(service, alice, right=True, size=2)
    with pytest.raises(AlreadyAnswered):
        service.answer(alice, outcomes[0].view.round_id, 1, "A")
    with pytest.raises(RoundNotFound):  # no position 5 in a round of 2
        service.answer(alice, outcomes[0].view.round_id, 5, "A")


def test_another_users_round_is_not_found(service, alice, bob):
    view = service.start_round(alice, size=2)
    with pytest.raises(RoundNotFound):
        service.answer(bob, view.round_id, 0, view.answer_shown)
    with pytest.raises(RoundNotFound):
        service.current_question(bob, view.round_id)


def test_letters_not_shown_are_invalid(service, alice):
    view = service.start_round(alice, size=1)
    with pytest.raises(InvalidChoice):
        service.answer(alice, view.round_id, 0, "F")
    assert service.current_question(alice, view.round_id).position == 0  # nothing stored


def test_a_restart_continues_the_round_where_it_was(engine, clock, service, alice):
    view = service.start_round(alice, size=4)
    service.answer(alice, view.round_id, 0, view.answer_shown)
    restarted = QuizService(engine, small_bank(), zone=ZoneInfo("Asia/Shanghai"), clock=clock, rng=random.Random(99))
    current = restarted.current_question(alice, view.round_id)
    assert current.position == 1
    assert current.order == service.current_question(alice, view.round_id).order  # same shuffle as shown


def test_questions_seen_are_avoided_while_unseen_remain(service, alice):
    first = {o.view.question.id for o in _play_round(service, alice, right=True, size=10)}
    second = {o.view.question.id for o in _play_round(service, alice, right=True, size=10)}
    assert first.isdisjoint(second)


def test_streak_grows_on_consecutive_local_days_and_breaks(service, clock, alice):
    _play_round(service, alice, right=True, size=1)
    clock.advance(days=1)
    _play_round(service, alice, right=True, size=1)
    assert service.stats(alice).streak == 2
    clock.advance(days=2)
    assert service.stats(alice).streak == 0


def test_grade_filter_and_empty_selection(engine, clock, alice):
    bank = [make_question("g-001", grades=(Grade.SENIOR,)), make_question("g-002", grades=(Grade.PRIMARY,))]
    service = QuizService(engine, bank, zone=ZoneInfo("Asia/Shanghai"), clock=clock, rng=random.Random(1))
    view = service.start_round(alice, grade=Grade.PRIMARY)
    assert (view.total, view.question.id) == (1, "g-002")
    with pytest.raises(NoQuestions):
        service.start_round(alice, theme=Theme.YINJIANG)


def test_stats_report_accuracy_per_theme(service, alice):
    outcomes = _play_round(service, alice, right=True, size=5)
    stats = service.stats(alice)
    assert stats.rounds == 1
    assert sum(total for _, total in stats.accuracy.values()) == 5
    assert {t for t in stats.accuracy} == {o.view.question.theme for o in outcomes}


def test_an_identity_that_does_not_fit_its_columns_is_refused_before_the_database(service):
    from bot.services.errors import InvalidIdentity

    for who in (
        Identity("console", "x" * 65),
        Identity("console", ""),
        Identity("console", "ok", display_name="长" * 17),
        Identity("console", "ok2", display_name="见 t.me/abc"),
    ):
        with pytest.raises(InvalidIdentity):
            service.start_round(who, size=1)
    with read_scope(service.engine) as s:
        assert s.exec(select(func.count()).select_from(User)).one() == 0
