"""Alembic: the released schema is adopted, models and migrations agree, bad databases are refused."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.cli import main
from db.migrate import RELEASED_TABLES, SchemaError, current, head
from db.session import DatabaseUnavailable, DatabaseUrlError, create_db_engine, make_engine
from tests.conftest import FIXTURES


def _released_database(path) -> dict[str, tuple[list[str], list[tuple]]]:
    """A database as the release before migrations made it, with its data; per table its columns and rows."""
    connection = sqlite3.connect(path)
    connection.executescript((FIXTURES / "released-v1.sql").read_text(encoding="utf-8"))
    found = {}
    for table in RELEASED_TABLES - {"meta"}:
        cursor = connection.execute(f'SELECT * FROM "{table}"')
        found[table] = ([d[0] for d in cursor.description], sorted(cursor.fetchall()))
    connection.close()
    return found


def test_a_released_database_is_adopted_and_upgraded_without_losing_a_row(db_path):
    before = _released_database(db_path)
    assert sum(len(rows) for _, rows in before.values()) > 20 and before["answer"][1]
    engine = make_engine(str(db_path))
    assert current(engine) == head()
    with engine.connect() as connection:
        for table, (columns, rows) in before.items():  # every released column of every row, unchanged
            listed = ", ".join(f'"{c}"' for c in columns)
            after = sorted(tuple(r) for r in connection.execute(text(f'SELECT {listed} FROM "{table}"')))
            assert after == rows, table
        indexes = {r[0] for r in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
    assert {"uq_round_one_active", "uq_answer_points_once"} <= indexes
    make_engine(str(db_path)).dispose()  # opening again changes nothing
    engine.dispose()


def test_the_upgrade_mends_released_data_that_breaks_the_new_rules(db_path):
    _released_database(db_path)
    connection = sqlite3.connect(db_path)
    uid = connection.execute("SELECT id FROM user LIMIT 1").fetchone()[0]
    for _ in range(2):  # two active rounds, as a race in the released code could leave
        connection.execute(
            "INSERT INTO round (user_id, size, mode, status, started_at) VALUES (?, 1, 'quiz', 'active', '2026-06-01')",
            (uid,),
        )
    newest = connection.execute("SELECT max(id) FROM round").fetchone()[0]
    connection.commit()
    connection.close()
    engine = make_engine(str(db_path))
    with engine.connect() as c:
        active = [
            r[0] for r in c.execute(text("SELECT id FROM round WHERE status = 'active' AND user_id = :u"), {"u": uid})
        ]
    assert active == [newest]
    engine.dispose()


def test_the_fast_start_check_knows_the_newest_revision():
    from alembic.script import ScriptDirectory

    from db.migrate import HEAD, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_a_database_newer_than_the_code_is_refused(engine, db_url, capsys):
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaError, match="9999"):
        make_engine(db_url)
    with pytest.raises(SystemExit) as stop:
        main(["db", "upgrade", "--db", db_url])
    assert stop.value.code == 1 and "比本程序新" in capsys.readouterr().err


def test_tables_of_another_program_are_not_touched(db_path):
    connection = sqlite3.connect(db_path)
    connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    connection.close()
    with pytest.raises(SchemaError, match="不是 jindu-quiz"):
        make_engine(str(db_path))
    assert [r[0] for r in sqlite3.connect(db_path).execute("SELECT name FROM sqlite_master")] == ["orders"]


def test_a_wrong_or_unreachable_url_names_it_with_the_password_masked():
    with pytest.raises(DatabaseUnavailable) as unreachable:
        create_db_engine("postgresql+psycopg://teacher:s3cret@127.0.0.1:1/jindu")
    with pytest.raises(DatabaseUrlError) as wrong:
        create_db_engine("nosuchdb://teacher:s3cret@host/jindu")
    for error in (unreachable.value, wrong.value):
        assert "s3cret" not in str(error) and "teacher:***@" in str(error)


def test_db_commands_current_upgrade_and_backup(tmp_path, capsys):
    db = str(tmp_path / "school.db")
    assert main(["db", "current", "--db", db]) == 0
    assert "空数据库" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", db]) == 0
    assert main(["db", "current", "--db", db]) == 0
    assert capsys.readouterr().out.strip().endswith(head())
    engine = make_engine(db)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO meta (key, value) VALUES ('note', '备份测试')"))
    reader = sqlite3.connect(db)
    reader.execute("BEGIN")  # an open reader does not stop the online backup
    reader.execute("SELECT count(*) FROM meta").fetchone()
    copy = tmp_path / "copy.db"
    assert main(["db", "backup", "--db", db, str(copy)]) == 0
    reader.close()
    assert sqlite3.connect(copy).execute("SELECT value FROM meta WHERE key = 'note'").fetchone() == ("备份测试",)
    assert main(["db", "backup", "--db", db, str(copy)]) == 2  # never overwrites
    engine.dispose()
