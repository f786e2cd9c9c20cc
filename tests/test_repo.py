"""Repository functions on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from db import repo
from db.models import Answer, QuestionHistory
from db.session import database_url, session_scope

NOW = datetime(2026, 6, 3, 1, 0, tzinfo=UTC)


def _user(session: Session, name: str = "alice"):
    return repo.upsert_user(session, channel="console", external_id=name, nickname=name, now=NOW)[0]


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_database_url_accepts_paths_and_urls():
    assert database_url("data/x.db") == "sqlite:///data/x.db"
    assert database_url("postgresql://u@h/db") == "postgresql://u@h/db"


def test_round_questions_keep_position_and_shown_order(engine):
    with session_scope(engine) as s:
        user = _user(s)
        round_ = repo.create_round(
            s,
            user_id=user.id,
            theme="law",
            grade=None,
            questions=[("law-001", "BADC"), ("law-002", "AB")],
            now=NOW,
        )
        round_id = round_.id
    with session_scope(engine) as s:
        state = repo.round_state(s, round_id=round_id, channel="console", external_id="alice")
        assert [(q.position, q.question_id, q.shown_order, q.answered) for q in state.slots] == [
            (0, "law-001", "BADC", False),
            (1, "law-002", "AB", False),
        ]
        assert repo.round_state(s, round_id=round_id, channel="console", external_id="bob") is None


def test_an_answer_position_can_be_stored_only_once(engine):
    with session_scope(engine) as s:
        user = _user(s)
        round_ = repo.create_round(s, user_id=user.id, theme=None, grade=None, questions=[("law-001", "AB")], now=NOW)
        ids = (user.id, round_.id)

    def answer(chosen: str) -> Answer:
        return Answer(
            round_id=ids[1],
            position=0,
            user_id=ids[0],
            question_id="law-001",
            theme="law",
            chosen=chosen,
            correct=chosen == "A",
            points=10,
            answered_at=NOW,
        )

    with session_scope(engine) as s:
        assert repo.insert_answer(s, answer=answer("A")) is True
    with session_scope(engine) as s:
        assert repo.insert_answer(s, answer=answer("B")) is False  # nothing written, the unit of work goes on
        assert repo.find_user(s, channel="console", external_id="alice") is not None
    with session_scope(engine) as s:
        assert [a.chosen for a in repo.round_answers(s, round_id=ids[1])] == ["A"]
        assert repo.total_points(s, user_id=ids[0]) == 10


def test_history_last_seen_and_points_flag(engine):
    with session_scope(engine) as s:
        user = _user(s)
        repo.record_history(s, user_id=user.id, question_id="q-1", correct=False, earned=False, now=NOW)
        later = NOW + timedelta(hours=1)
        repo.record_history(s, user_id=user.id, question_id="q-1", correct=True, earned=True, now=later)
        repo.record_history(s, user_id=user.id, question_id="q-1", correct=True, earned=False, now=later)
        h = s.get(QuestionHistory, (user.id, "q-1"))
        s.refresh(h)
        assert (h.times_seen, h.times_correct, h.earned_points) == (3, 2, True)
        assert repo.last_seen(s, user_id=user.id) == {"q-1": later}


def test_abandon_and_finish_rounds(engine):
    with session_scope(engine) as s:
        user = _user(s)
        r1 = repo.create_round(s, user_id=user.id, theme=None, grade=None, questions=[("a-1", "AB")], now=NOW)
        assert repo.abandon_active_rounds(s, user_id=user.id) == 1
        r2 = repo.create_round(s, user_id=user.id, theme=None, grade=None, questions=[("a-1", "AB")], now=NOW)
        repo.finish_round(s, round_id=r2.id, now=NOW)
        s.expire_all()
        assert repo.get_round(s, round_id=r1.id).status == "abandoned"
        assert repo.finished_round_times(s, user_id=user.id) == [NOW]
        assert repo.count_rounds(s, user_id=user.id) == 1


def test_delete_user_removes_everything_about_them(engine):
    with session_scope(engine) as s:
        alice, bob = _user(s, "alice"), _user(s, "bob")
        for user in (alice, bob):
            r = repo.create_round(s, user_id=user.id, theme=None, grade=None, questions=[("a-1", "AB")], now=NOW)
            repo.insert_answer(
                s,
                answer=Answer(
                    round_id=r.id,
                    position=0,
                    user_id=user.id,
                    question_id="a-1",
                    theme="law",
                    chosen="A",
                    correct=True,
                    points=10,
                    answered_at=NOW,
                ),
            )
            repo.record_history(s, user_id=user.id, question_id="a-1", correct=True, earned=True, now=NOW)
        alice_id, bob_id = alice.id, bob.id
    with session_scope(engine) as s:
        repo.delete_user(s, user_id=alice_id)
    with session_scope(engine) as s:
        assert repo.find_user(s, channel="console", external_id="alice") is None
        assert repo.total_points(s, user_id=alice_id) == 0
        assert repo.last_seen(s, user_id=alice_id) == {}
        assert repo.total_points(s, user_id=bob_id) == 10
        counts = {t: s.exec(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("round", "roundquestion", "answer")}
        assert counts == {"round": 1, "roundquestion": 1, "answer": 1}


def test_everyones_top_keeps_every_user_tied_at_the_last_place(engine):
    day = NOW.date()
    with session_scope(engine) as s:
        ids = [_user(s, f"u{i}").id for i in range(9)]
        for n, uid in enumerate(ids):
            points = 50 if n == 0 else 20  # one leader, eight tied behind
            repo.add_to_standings(s, user_id=uid, day=day, points=points, correct=True, finished_round=True, now=NOW)
    with session_scope(engine) as s:
        top = repo.overall_top(s, since=day, limit=2)  # room for 6: the tie reaches past it
        assert sorted(t.user_id for t in top) == sorted(ids)
        assert repo.count_ahead(s, points=20, since=day) == 1
        assert [t.user_id for t in repo.overall_top(s, since=None, limit=1)] == [ids[0]]
