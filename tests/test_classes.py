"""Teachers, classes, leaderboards, reports and exports through the services, on every backend."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import pytest

from bot.engine.periods import CODE_ALPHABET, Period
from bot.services import AccountService, Identity, QuizService
from bot.services.classes import ClassService
from bot.services.errors import (
    ChooseClass,
    ClassClosed,
    ClassNameTaken,
    ClassNotFound,
    InvalidCode,
    NameRejected,
    NotAllowed,
    TooManyAttempts,
)
from bot.services.reports import ReportService
from tests.conftest import SHANGHAI
from tests.factories import small_bank

ADMIN = Identity("telegram", "1")
TEACHER = Identity("telegram", "2")
OTHER_TEACHER = Identity("telegram", "3")


def student(n: int) -> Identity:
    return Identity("telegram", str(100 + n))


@pytest.fixture
def world(engine, clock):
    bank = small_bank()
    quiz = QuizService(engine, bank, zone=SHANGHAI, clock=clock, rng=random.Random(1))
    classes = ClassService(engine, admins=frozenset({1}), clock=clock, rng=random.Random(2), codes=random.Random(3))
    reports = ReportService(engine, bank, zone=SHANGHAI, clock=clock)
    accounts = AccountService(engine, clock=clock, rng=random.Random(4))
    return quiz, classes, reports, accounts


def make_teacher(classes: ClassService, who: Identity) -> None:
    (code,) = classes.create_invites(ADMIN)
    classes.become_teacher(who, code)


def play(quiz: QuizService, who: Identity, *, right: int, size: int = 4) -> None:
    """A finished round with ``right`` right answers first, then wrong ones."""
    view = quiz.start_round(who, size=size)
    for n in range(size):
        wrong = next(letter for letter, _ in view.options if letter not in view.answer_shown)
        outcome = quiz.answer(who, view.round_id, view.position, view.answer_shown if n < right else wrong)
        view = outcome.next_question


def test_invites_are_for_admins_one_time_and_expire(world, clock):
    _, classes, _, _ = world
    with pytest.raises(NotAllowed):
        classes.create_invites(TEACHER)
    first, second = classes.create_invites(ADMIN, 2)
    assert len(first) >= 8 and set(first) <= set(CODE_ALPHABET) and first != second
    classes.become_teacher(TEACHER, first.lower())  # typed in any case
    assert classes.is_teacher(TEACHER)
    with pytest.raises(InvalidCode):
        classes.become_teacher(OTHER_TEACHER, first)  # used
    clock.advance(days=7, seconds=1)
    with pytest.raises(InvalidCode):
        classes.become_teacher(OTHER_TEACHER, second)  # expired
    assert not classes.is_teacher(OTHER_TEACHER)
    assert classes.create_invites(None, 3)  # the command line needs no admin identity


def test_more_than_five_wrong_codes_in_an_hour_are_refused_for_an_hour(world, clock):
    _, classes, _, _ = world
    (good,) = classes.create_invites(ADMIN)
    for _ in range(5):
        with pytest.raises(InvalidCode):
            classes.join(student(1), "WRONGCODE")
    with pytest.raises(TooManyAttempts):
        classes.become_teacher(student(1), good)  # even the right code, until the hour is over
    clock.advance(minutes=61)
    classes.become_teacher(student(1), good)


def test_classes_join_roster_switch_close_and_leave(world):
    _, classes, _, _ = world
    make_teacher(classes, TEACHER)
    with pytest.raises(NotAllowed):
        classes.new_class(student(1), "初二(3)班")
    with pytest.raises(NameRejected):
        classes.new_class(TEACHER, "班" * 33)
    a = classes.new_class(TEACHER, "初二(3)班")
    b = classes.new_class(TEACHER, "初二(4)班")
    assert classes.join(student(1), a.code).status == "joined"
    assert classes.awaiting_roster_name(student(1)) == "初二(3)班"
    with pytest.raises(NameRejected):
        classes.give_roster_name(student(1), "名" * 21)
    assert classes.give_roster_name(student(1), " 王 小明 ") == "初二(3)班"
    assert classes.awaiting_roster_name(student(1)) is None
    assert classes.join(student(1), a.code).status == "already"
    outcome = classes.join(student(1), b.code)
    assert (outcome.status, outcome.current_class) == ("confirm", "初二(3)班")
    assert classes.join(student(1), b.code, switch=True).status == "joined"
    assert classes.awaiting_roster_name(student(1)) == "初二(4)班"  # asked again in the new class
    assert [(c.name, c.members) for c in classes.my_classes(TEACHER)] == [("初二(3)班", 0), ("初二(4)班", 1)]
    classes.set_open(TEACHER, a.code, open_=False)
    with pytest.raises(ClassClosed):
        classes.join(student(2), a.code)
    assert classes.leave(student(1)) == "初二(4)班" and classes.leave(student(1)) is None


def test_a_teacher_reaches_only_their_own_classes(world):
    _, classes, reports, _ = world
    make_teacher(classes, TEACHER)
    make_teacher(classes, OTHER_TEACHER)
    mine = classes.new_class(TEACHER, "一班")
    theirs = classes.new_class(OTHER_TEACHER, "二班")
    for call in (
        lambda ref: reports.leaderboard(TEACHER, ref, Period.ALL),
        lambda ref: reports.report(TEACHER, ref, Period.ALL),
        lambda ref: reports.export_csv(TEACHER, ref),
        lambda ref: classes.set_open(TEACHER, ref, open_=False),
    ):
        with pytest.raises(ClassNotFound) as foreign:
            call(theirs.code)
        with pytest.raises(ClassNotFound) as missing:
            call("NOSUCHCLASS")
        assert type(foreign.value) is type(missing.value)
        call(mine.code)
    for call in (lambda: reports.leaderboard(student(1), None, Period.ALL), lambda: classes.my_classes(student(1))):
        with pytest.raises(NotAllowed):
            call()
    classes.new_class(TEACHER, "三班")
    with pytest.raises(ChooseClass) as choose:
        reports.report(TEACHER, None, Period.WEEK)
    assert choose.value.names == ["一班", "三班"]
    assert reports.report(TEACHER, "三班", Period.WEEK).class_name == "三班"  # by name too


def test_leaderboards_periods_ties_and_privacy(world, clock):
    quiz, classes, reports, accounts = world
    make_teacher(classes, TEACHER)
    cls = classes.new_class(TEACHER, "初二(3)班")
    for n in range(1, 4):
        classes.join(student(n), cls.code)
        classes.give_roster_name(student(n), f"学生{n}")
    # Last week (Monday 2026-05-25 .. ): student 3 plays; this week (from Monday 2026-06-01): 1 and 2.
    clock.now -= timedelta(days=3)
    play(quiz, student(3), right=4)
    clock.now += timedelta(days=3)
    play(quiz, student(1), right=2)
    play(quiz, student(2), right=2)
    week = reports.rank(student(1), Period.WEEK)
    assert week.class_name == "初二(3)班"
    assert [r.place for r in week.rows] == [1, 2, 3]
    assert week.rows[-1].points == 0  # student 3 scored last week only
    tied = week.rows[:2]
    assert tied[0].points == tied[1].points  # equal points and accuracy: who got there first leads
    first = accounts.profile(student(1)).nickname
    assert tied[0].nickname == first
    assert all(r.roster_name is None for r in week.rows)  # students never see roster names
    every = reports.rank(student(1), Period.ALL)
    assert every.rows[0].nickname == accounts.profile(student(3)).nickname
    teacher_view = reports.leaderboard(TEACHER, None, Period.ALL)
    assert {r.roster_name for r in teacher_view.rows} == {"学生1", "学生2", "学生3"}
    outside = reports.rank(Identity("telegram", "999"), Period.ALL)
    assert outside.class_name is None and len(outside.rows) == 3


def test_report_and_export_numbers(world):
    quiz, classes, reports, _ = world
    make_teacher(classes, TEACHER)
    cls = classes.new_class(TEACHER, "初二(3)班")
    for n in range(1, 5):
        classes.join(student(n), cls.code)
    classes.give_roster_name(student(1), "=HYPERLINK(1)")
    play(quiz, student(1), right=4)  # 100%
    play(quiz, student(2), right=3)  # 75%
    play(quiz, student(3), right=2)  # 50%
    report = reports.report(TEACHER, None, Period.WEEK)
    assert (report.members, report.participants) == (4, 3)
    assert report.participation == pytest.approx(0.75)
    assert report.average_accuracy == pytest.approx(0.75)
    assert report.pass_rate == pytest.approx(2 / 3) and report.excellent_rate == pytest.approx(1 / 3)
    assert sum(t for _, t in report.themes.values()) == 12
    assert sum(r for r, _ in report.themes.values()) == 9
    assert report.most_missed and all(m.missed <= m.answered for m in report.most_missed)
    name, data = reports.export_csv(TEACHER, cls.code)
    assert name == "初二(3)班" and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "昵称", "完成轮数", "答题数", "答对数", "正确率", "积分", "最近答题"]
    assert len(rows) == 5 and rows[1][0] == "'=HYPERLINK(1)"  # no formula in Excel
    assert rows[1][2:6] == ["1", "4", "4", "100.0%"]


def test_forget_removes_a_student_from_every_board_report_and_export(world):
    quiz, classes, reports, accounts = world
    make_teacher(classes, TEACHER)
    cls = classes.new_class(TEACHER, "初二(3)班")
    classes.join(student(1), cls.code)
    classes.give_roster_name(student(1), "王小明")
    play(quiz, student(1), right=3)
    assert reports.rank(Identity("telegram", "999"), Period.ALL).rows
    accounts.forget(student(1))
    assert reports.rank(Identity("telegram", "999"), Period.ALL).rows == []
    assert reports.leaderboard(TEACHER, None, Period.ALL).rows == []
    assert reports.report(TEACHER, None, Period.ALL).members == 0
    assert "王小明" not in reports.export_csv(TEACHER, None)[1].decode("utf-8-sig")
    accounts.forget(TEACHER)  # a teacher's forget removes their classes too
    with pytest.raises(ClassNotFound):
        reports.report(None, cls.code, Period.ALL)


def test_a_used_invite_stays_used_after_its_teacher_is_forgotten(world):
    _, classes, _, accounts = world
    (code,) = classes.create_invites(ADMIN)
    classes.become_teacher(TEACHER, code)
    accounts.forget(TEACHER)
    with pytest.raises(InvalidCode):
        classes.become_teacher(OTHER_TEACHER, code)
    assert not classes.is_teacher(OTHER_TEACHER)


def test_the_guessing_lock_lasts_an_hour_from_the_fifth_wrong_code(world, clock):
    _, classes, _, _ = world
    (good,) = classes.create_invites(ADMIN)
    for _ in range(4):
        with pytest.raises(InvalidCode):
            classes.join(student(1), "WRONGCODE")
    clock.advance(minutes=50)
    with pytest.raises(InvalidCode):
        classes.join(student(1), "WRONGCODE")  # the fifth, 50 minutes after the first
    clock.advance(minutes=30)  # 80 minutes after the first: still within an hour of the fifth
    with pytest.raises(TooManyAttempts):
        classes.become_teacher(student(1), good)
    clock.advance(minutes=31)
    classes.become_teacher(student(1), good)


def test_a_weeks_report_starts_at_monday_midnight_local_time(world, clock):
    quiz, classes, reports, _ = world
    make_teacher(classes, TEACHER)
    cls = classes.new_class(TEACHER, "初二(3)班")
    classes.join(student(1), cls.code)
    clock.now = clock.now.replace(hour=16, minute=30) - timedelta(days=1)  # Monday 00:30 in Shanghai
    play(quiz, student(1), right=4)
    clock.now += timedelta(days=2)
    report = reports.report(TEACHER, None, Period.WEEK)
    assert report.participants == 1 and sum(n for _, n in report.themes.values()) == 4


def test_class_names_are_unique_per_teacher_and_roster_names_can_be_corrected(world):
    _, classes, reports, _ = world
    make_teacher(classes, TEACHER)
    make_teacher(classes, OTHER_TEACHER)
    cls = classes.new_class(TEACHER, "初二(3)班")
    with pytest.raises(ClassNameTaken):
        classes.new_class(TEACHER, " 初二(3)班 ")
    classes.new_class(OTHER_TEACHER, "初二(3)班")  # another school's 初二(3)班 is fine
    classes.join(student(1), cls.code)
    classes.give_roster_name(student(1), "王小名")
    classes.give_roster_name(student(1), "王小明")
    assert [r.roster_name for r in reports.leaderboard(TEACHER, "初二(3)班", Period.ALL).rows] == ["王小明"]
