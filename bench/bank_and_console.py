"""Benchmark: load + validate a 1,000-question bank, and time to the console's first question.

    python bench/bank_and_console.py [--questions 1000] [--repeat 5]

Targets: loading 1,000 questions under 0.5 s; `jindu console` shows its first question under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.bank import load_bank

THEMES = ("knowledge", "harm", "prevention", "law", "history", "policy", "yinjiang")


def write_bank(folder: Path, count: int) -> list[Path]:
    """Write ``count`` valid questions spread over the seven theme files."""
    files = []
    for t, theme in enumerate(THEMES):
        lines = ["questions:"]
        for i in range(t, count, len(THEMES)):
            lines += [
                f"  - id: {theme}-{i:04d}",
                f"    theme: {theme}",
                "    grades: [primary, junior, senior]",
                "    kind: single",
                f"    difficulty: {i % 3 + 1}",
                f"    question: 第{i}题：根据《中华人民共和国禁毒法》，下列说法哪一项正确？请选出唯一正确的选项。",
                "    options: [禁毒是全社会的共同责任, 禁毒只是公安机关的事, 禁毒只是学校的事, 禁毒只是家长的事]",
                "    answer: A",
                "    explanation: 禁毒法第三条规定，禁毒是全社会的共同责任，"
                "国家机关、社会团体、企业事业单位以及其他组织和公民都应当履行禁毒职责或者义务。",
                "    source: 《中华人民共和国禁毒法》第三条",
            ]
        path = folder / f"{theme}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    return files


def time_load(files: list[Path], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        bank = load_bank(files)
        times.append(time.perf_counter() - start)
        assert bank.ok, bank.problems[:3]
    return times


def time_first_question(folder: Path, repeat: int) -> list[float]:
    """Seconds from starting `python -m bot console` to the first question on its output."""
    env = {**os.environ, "JINDU_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "PYTHONUNBUFFERED": "1"}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "-n", "10"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        seen = b""
        while b"1/10" not in seen:
            chunk = proc.stdout.read1(4096)
            if not chunk:
                raise RuntimeError("console ended before its first question")
            seen += chunk
        times.append(time.perf_counter() - start)
        proc.stdin.close()
        proc.wait(timeout=10)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_bank(Path(tmp), args.questions)
        load = time_load(files, args.repeat)
        print(
            f"load+validate {args.questions} questions: median {statistics.median(load) * 1000:.0f} ms, "
            f"max {max(load) * 1000:.0f} ms (target < 500 ms)"
        )
        first = time_first_question(Path(tmp), args.repeat)
        print(
            f"console first question (packaged bank, new process): median {statistics.median(first) * 1000:.0f} ms, "
            f"max {max(first) * 1000:.0f} ms (target < 1000 ms)"
        )


if __name__ == "__main__":
    main()
