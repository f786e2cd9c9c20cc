"""The terminal quiz and the `jindu` command, run as a real process with piped input."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent

# Judge questions keep 正确/错误 in place, so right answers are known from the text.
JUDGE_BANK = "questions:\n" + "".join(
    f"""  - id: j-00{i}
    theme: {theme}
    grades: [primary, junior, senior]
    kind: judge
    difficulty: {difficulty}
    question: 判断题第{i}题：{"说法为真" if answer == "A" else "说法为假"}。
    options: [正确, 错误]
    answer: {answer}
    explanation: 第{i}题的解释。
    source: 测试来源{i}
"""
    for i, (theme, difficulty, answer) in enumerate(
        [("law", 1, "A"), ("harm", 1, "B"), ("law", 2, "A"), ("policy", 3, "B")], start=1
    )
)


def jindu(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None):
    """Run `python -m bot ARGS` and return the completed process."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        cwd=cwd or ROOT,
        timeout=60,
    )


@pytest.fixture
def judge_env(tmp_path: Path) -> dict[str, str]:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "judge.yaml").write_text(JUDGE_BANK, encoding="utf-8")
    return {"JINDU_QUESTIONS_DIR": str(bank), "JINDU_DATABASE_URL": f"sqlite:///{tmp_path / 'quiz.db'}"}


def _answers(db: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT question_id, correct, points FROM answer ORDER BY id").fetchall()


def test_piped_round_plays_to_the_end(judge_env, tmp_path):
    # Questions come easy to hard: j-001 and j-002 (difficulty 1) first, in seeded order.
    result = jindu("console", "-n", "4", "--seed", "1", "--name", "小明", stdin="A\nB\nA\nB\n", env=judge_env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("第 ") >= 4 and "本轮结束" in out
    assert "📚 来源：测试来源" in out and "📖 第" in out
    assert "连续答题 1 天" in out
    assert "Traceback" not in result.stderr
    assert len(_answers(tmp_path / "quiz.db")) == 4


def test_right_answers_earn_points_and_judge_accepts_chinese_words(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    true_only = JUDGE_BANK.replace("answer: B", "answer: A").replace("difficulty: 2", "difficulty: 1")
    (bank / "judge.yaml").write_text(true_only.replace("difficulty: 3", "difficulty: 1"), encoding="utf-8")
    env = {"JINDU_QUESTIONS_DIR": str(bank), "JINDU_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}"}
    result = jindu("console", "-n", "3", stdin="对\nT\ntrue\n", env=env)
    assert result.returncode == 0
    assert "答对 3/3 题，本轮得分 30，总积分 30" in result.stdout
    assert "全部答对" in result.stdout


def test_bad_input_gets_a_hint_and_the_same_question_again(judge_env):
    result = jindu("console", "-n", "1", "--seed", "1", stdin="x\nABC\n\nA\n", env=judge_env)
    assert result.returncode == 0
    assert result.stdout.count("没看懂这个答案") == 3
    assert result.stdout.count("\n第 1/1 题") == 1
    assert "本轮结束：答对" in result.stdout


def test_end_of_input_mid_round_saves_what_was_answered(judge_env, tmp_path):
    result = jindu("console", "-n", "4", "--seed", "1", stdin="A\nB\n", env=judge_env)
    assert result.returncode == 0
    assert "输入结束，本轮已作答 2 题，答案已保存" in result.stdout
    assert "Traceback" not in result.stderr
    assert len(_answers(tmp_path / "quiz.db")) == 2


def test_same_name_and_db_is_the_same_user_later(judge_env, tmp_path):
    first = jindu("console", "-n", "2", "--name", "小红", stdin="A\nB\n", env=judge_env)
    second = jindu("console", "-n", "2", "--name", "小红", stdin="A\nB\n", env=judge_env)
    assert first.returncode == second.returncode == 0
    rows = _answers(tmp_path / "quiz.db")
    assert len({qid for qid, _, _ in rows}) == 4  # the second run got the two unseen questions
    total = sum(points for _, _, points in rows)
    assert f"总积分 {total}" in second.stdout


def test_db_option_takes_a_path(tmp_path, judge_env):
    env = {k: v for k, v in judge_env.items() if k != "JINDU_DATABASE_URL"}
    db = tmp_path / "other.db"
    result = jindu("console", "-n", "1", "--db", str(db), stdin="A\n", env=env, cwd=tmp_path)
    assert result.returncode == 0 and db.exists()


def test_wrong_arguments_exit_2_with_usage():
    result = jindu("console", "--theme", "sports")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert jindu("console", "-n", "0").returncode == 2


def test_questions_check_exit_codes():
    assert jindu("questions", "check", str(FIXTURES / "good.yaml")).returncode == 0
    broken = jindu("questions", "check", str(FIXTURES / "broken.yaml"))
    assert broken.returncode == 1
    assert f"{FIXTURES / 'broken.yaml'}:2: b-001: theme must be one of" in broken.stdout
    syntax = jindu("questions", "check", str(FIXTURES / "syntax.yaml"))
    assert syntax.returncode == 1 and "YAML syntax error" in syntax.stdout and "Traceback" not in syntax.stderr
    assert jindu("questions", "check", "no-such-file.yaml").returncode == 2


def test_packaged_bank_is_valid_and_stats_json_has_the_keys():
    assert jindu("questions", "check").returncode == 0
    result = jindu("questions", "stats", "--json")
    stats = json.loads(result.stdout)
    assert {"total", "by_theme", "by_grade", "by_kind"} <= stats.keys()
    assert stats["total"] == sum(stats["by_theme"].values())


def test_broken_bank_stops_the_console_with_the_problems(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "broken.yaml").write_text((FIXTURES / "broken.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = jindu(
        "console", env={"JINDU_QUESTIONS_DIR": str(bank), "JINDU_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    assert result.returncode == 1
    assert "b-001: theme must be one of" in result.stderr


def test_a_reader_that_goes_away_does_not_cause_a_traceback(judge_env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "-n", "4"],
        cwd=ROOT,
        env={**os.environ, **judge_env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    _, err = proc.communicate(input=b"A\nB\nA\nB\n", timeout=60)
    assert proc.returncode == 0
    assert b"Traceback" not in err
