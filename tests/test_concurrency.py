"""Races closed by the database: threads calling the services at the same moment, on every backend."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.services import AccountService, Identity, InvalidChoice, QuizService, RoundNotFound
from bot.services.errors import AlreadyAnswered
from db.models import Answer, Round, User
from db.session import session_scope
from tests.conftest import SHANGHAI
from tests.factories import small_bank


def at_once(n: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``n`` threads released together; exceptions are returned, not raised."""
    barrier = threading.Barrier(n)

    def go(i: int) -> object:
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # collected for the assertions
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


def count(engine, statement) -> int:
    with session_scope(engine) as s:
        return s.exec(statement).one()[0]


def test_simultaneous_first_contact_makes_one_user(engine, clock):
    accounts = AccountService(engine, clock=clock, rng=random.Random(1))
    who = Identity("telegram", "777")
    results = at_once(6, lambda _: accounts.start(who))
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(r.is_new for r in results) == 1
    assert count(engine, select(func.count()).select_from(User)) == 1


def test_simultaneous_quiz_leaves_exactly_one_active_round(engine, clock):
    quiz = QuizService(engine, small_bank(), zone=SHANGHAI, clock=clock, rng=random.Random(2))
    who = Identity("telegram", "778")
    results = at_once(6, lambda _: quiz.start_round(who, size=4))
    assert not [r for r in results if isinstance(r, Exception)]
    active = count(engine, select(func.count()).select_from(Round).where(Round.status == "active"))
    assert active == 1
    assert quiz.active_question(who).round_id == max(r.round_id for r in results)


def test_the_same_answer_pressed_in_many_threads_is_stored_once_with_points_once(engine, clock):
    quiz = QuizService(engine, small_bank(), zone=SHANGHAI, clock=clock, rng=random.Random(3))
    who = Identity("telegram", "779")
    view = quiz.start_round(who, size=4)
    results = at_once(8, lambda _: quiz.answer(who, view.round_id, 0, view.answer_shown))
    stored = [r for r in results if not isinstance(r, Exception)]
    assert len(stored) == 1 and stored[0].points > 0
    assert all(isinstance(r, AlreadyAnswered) for r in results if isinstance(r, Exception))
    assert count(engine, select(func.count()).select_from(Answer)) == 1
    assert quiz.stats(who).total_points == stored[0].points


def test_many_users_answering_at_once_lose_nothing(engine, clock):
    quiz = QuizService(engine, small_bank(), zone=SHANGHAI, clock=clock, rng=random.Random(4))
    people = [Identity("telegram", str(900 + i)) for i in range(12)]
    for who in people:
        quiz.start_round(who, size=3)
    for _ in range(3):
        current = [quiz.active_question(who) for who in people]

        def answer(i: int, current=current) -> object:
            return quiz.answer(people[i], current[i].round_id, current[i].position, "A")

        results = at_once(12, answer)
        assert not [r for r in results if isinstance(r, Exception)]
    assert count(engine, select(func.count()).select_from(Answer)) == 12 * 3
    assert count(engine, select(func.count()).select_from(Round).where(Round.status == "finished")) == 12


def test_the_database_refuses_a_second_active_round_and_a_second_award(engine, clock):
    """The partial unique indexes are the last word, whatever the code above them does."""
    now = clock()
    with session_scope(engine) as s:
        user = User(channel="x", external_id="1", nickname="n", created_at=now)
        s.add(user)
        s.flush()
        uid = user.id
        s.add(Round(user_id=uid, size=1, started_at=now))
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(Round(user_id=uid, size=1, started_at=now))
    with session_scope(engine) as s:
        rounds = [Round(user_id=uid, size=1, status="finished", started_at=now) for _ in range(2)]
        s.add_all(rounds)
        s.flush()
        ids = [r.id for r in rounds]

    def award(round_id: int, points: int) -> Answer:
        return Answer(
            round_id=round_id,
            position=0,
            user_id=uid,
            question_id="law-000",
            theme="law",
            chosen="B",
            correct=True,
            points=points,
            answered_at=now,
        )

    with session_scope(engine) as s:
        s.add(award(ids[0], 10))
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(award(ids[1], 10))
    with session_scope(engine) as s:
        s.add(award(ids[1], 0))  # a later right answer without points is fine


def test_a_forged_multi_letter_answer_to_a_single_choice_question_changes_nothing(service, alice):
    view = service.start_round(alice, size=1)
    while view.question.kind.value == "multiple":
        view = service.start_round(alice, size=1)
    with pytest.raises(InvalidChoice):
        service.answer(alice, view.round_id, 0, "AB")  # every question has options A and B
    assert service.stats(alice).answered == 0


@pytest.mark.parametrize("round_id", [2**63, 2**70, 10**12 - 1, 0, -1])
def test_an_id_beyond_the_database_integer_is_not_found(service, alice, round_id):
    service.start_round(alice, size=1)
    with pytest.raises(RoundNotFound):
        service.answer(alice, round_id, 0, "A")
    with pytest.raises(RoundNotFound):
        service.current_question(alice, round_id)


def test_the_last_two_positions_answered_at_once_finish_the_round_once(engine, clock):
    """Each writer sees the other's committed answer (PostgreSQL: the lock, then a fresh read)."""
    quiz = QuizService(engine, small_bank(), zone=SHANGHAI, clock=clock, rng=random.Random(5))
    for n in range(5):
        who = Identity("telegram", f"last-{n}")
        view = quiz.start_round(who, size=4)
        quiz.answer(who, view.round_id, 0, "A")
        quiz.answer(who, view.round_id, 1, "A")
        results = at_once(2, lambda i, rid=view.round_id, who=who: quiz.answer(who, rid, 2 + i, "A"))
        assert not [r for r in results if isinstance(r, Exception)]
        assert sum(r.summary is not None for r in results) == 1
        assert quiz.active_question(who) is None
    finished = count(engine, select(func.count()).select_from(Round).where(Round.status == "finished"))
    assert finished == 5


def test_one_invite_redeemed_by_many_at_once_makes_one_teacher(engine, clock):
    from bot.services.classes import ClassService
    from bot.services.errors import InvalidCode

    classes = ClassService(engine, clock=clock, rng=random.Random(6), codes=random.Random(7))
    (code,) = classes.create_invites(None)
    people = [Identity("telegram", str(600 + i)) for i in range(6)]
    results = at_once(6, lambda i: classes.become_teacher(people[i], code))
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, InvalidCode) for r in results if r is not None)
    assert sum(classes.is_teacher(who) for who in people) == 1


def test_a_student_joining_two_classes_at_once_ends_in_exactly_one(engine, clock):
    from bot.services.classes import ClassService

    classes = ClassService(engine, clock=clock, rng=random.Random(8), codes=random.Random(9))
    (code,) = classes.create_invites(None)
    teacher = Identity("telegram", "700")
    classes.become_teacher(teacher, code)
    codes = [classes.new_class(teacher, f"{n}班").code for n in range(4)]
    who = Identity("telegram", "701")
    results = at_once(4, lambda i: classes.join(who, codes[i]))
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(r.status for r in results) == ["confirm", "confirm", "confirm", "joined"]
    assert sum(c.members for c in classes.my_classes(teacher)) == 1


def test_standings_count_every_answer_of_a_crowd_exactly_once(engine, clock):
    from sqlalchemy import func as sql_func

    from db.models import DailyStats, UserStats

    quiz = QuizService(engine, small_bank(), zone=SHANGHAI, clock=clock, rng=random.Random(10))
    people = [Identity("telegram", str(800 + i)) for i in range(10)]
    for who in people:
        quiz.start_round(who, size=3)
    for _ in range(3):
        current = [quiz.active_question(who) for who in people]

        def answer(i: int, current=current) -> object:
            view = current[i]
            return quiz.answer(people[i], view.round_id, view.position, view.answer_shown)

        at_once(10, answer)
        at_once(10, answer)  # every press twice: the second is already answered
    points = count(engine, select(sql_func.coalesce(sql_func.sum(Answer.points), 0)))
    with session_scope(engine) as s:
        daily = s.exec(select(sql_func.sum(DailyStats.answered), sql_func.sum(DailyStats.points))).one()
        totals = s.exec(select(sql_func.sum(UserStats.answered), sql_func.sum(UserStats.rounds))).one()
    assert tuple(daily) == (30, points) and tuple(totals) == (30, 10)
