"""The bank in other shapes: the canonical YAML layout, and CSV for editing in Excel or WPS.

The YAML writer always produces the same text for the same questions, so exporting to CSV and
importing the file again leaves every question file byte for byte as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from bot.bank import OPTIONAL, REQUIRED, Problem, load_bank, normalized_text, question_files, validate_entry
from bot.engine.model import LETTERS, Grade, Kind, Question, Theme

# The bank's fields in order, the options spread over one column per letter A-F.
CSV_COLUMNS = [column for name in (*REQUIRED, *OPTIONAL) for column in (LETTERS if name == "options" else [name])]
# What curriculum staff may type instead of the keys.
_THEME_NAMES = {t.label: t.value for t in Theme}
_GRADE_NAMES = {g.label: g.value for g in Grade} | {"高中": "senior", "中职": "senior", "小学高年级": "primary"}
_KIND_NAMES = {k.label: k.value for k in Kind} | {"单选": "single", "多选": "multiple", "判断": "judge"}
_GRADE_SEPARATORS = (",", "，", "、", ";", "；", "/")


# -- canonical YAML --------------------------------------------------------------------------------


def _scalar(value: str | int) -> str:
    """One YAML scalar, quoted only where YAML needs it."""
    text = yaml.safe_dump(value, allow_unicode=True, width=10**9, default_flow_style=True)
    return text.removesuffix("\n...\n").removesuffix("\n")


def _flow(values: Iterable[str]) -> str:
    return yaml.safe_dump(list(values), allow_unicode=True, width=10**9, default_flow_style=True).strip()


def dump_questions(questions: Sequence[Question]) -> str:
    """A question file's text in the canonical layout (the one in DESIGN.md)."""
    out = ["questions:"]
    for q in questions:
        grades = [g.value for g in Grade if g in q.grades]
        out += [
            f"  - id: {_scalar(q.id)}",
            f"    theme: {q.theme.value}",
            f"    grades: {_flow(grades)}",
            f"    kind: {q.kind.value}",
            f"    difficulty: {q.difficulty}",
            f"    question: {_scalar(q.text)}",
            f"    options: {_flow(q.options)}",
            f"    answer: {q.answer}",
            f"    explanation: {_scalar(q.explanation)}",
            f"    source: {_scalar(q.source)}",
        ]
        if q.fact:
            out.append(f"    fact: {_scalar(q.fact)}")
    return "\n".join(out) + "\n"


# -- CSV export ------------------------------------------------------------------------------------


def export_csv(questions: Sequence[Question]) -> str:
    """The questions as CSV text (the caller writes it as UTF-8 with BOM, which Excel expects)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for q in questions:
        options = list(q.options) + [""] * (len(LETTERS) - len(q.options))
        grades = " ".join(g.value for g in Grade if g in q.grades)
        writer.writerow(
            [
                q.id,
                q.theme.value,
                grades,
                q.kind.value,
                q.difficulty,
                q.text,
                *options,
                q.answer,
                q.explanation,
                q.source,
                q.fact or "",
            ]
        )
    return buffer.getvalue()


# -- CSV import ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing wrong in an imported CSV: its row (as Excel numbers it), column and what."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportResult:
    """What an import did, or why it did nothing."""

    problems: list[RowProblem] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def read_csv_text(path: Path) -> str:
    """The file's text: UTF-8 with or without BOM; GB18030 as saved by Chinese Excel/WPS as a fallback."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _entry(row: dict[str, str]) -> dict[str, object]:
    """A CSV row as a YAML-like entry for the bank's validator."""

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    grades_text = cell("grades")
    for separator in _GRADE_SEPARATORS:
        grades_text = grades_text.replace(separator, " ")
    difficulty: object = cell("difficulty")
    if isinstance(difficulty, str) and difficulty.removesuffix(".0").isdigit():
        difficulty = int(difficulty.removesuffix(".0"))
    entry: dict[str, object] = {
        "id": cell("id"),
        "theme": _THEME_NAMES.get(cell("theme"), cell("theme")),
        "grades": [_GRADE_NAMES.get(g, g) for g in grades_text.split()],
        "kind": _KIND_NAMES.get(cell("kind"), cell("kind")),
        "difficulty": difficulty,
        "question": cell("question"),
        "options": [cell(letter) for letter in LETTERS if cell(letter)],
        "answer": cell("answer").replace(" ", "").replace(",", "").upper(),
        "explanation": (row.get("explanation") or "").strip(),
        "source": cell("source"),
    }
    if cell("fact"):
        entry["fact"] = cell("fact")
    return entry


def _column(problem: Problem) -> str:
    name = problem.field
    if name.startswith("option "):
        return name.removeprefix("option ")
    return {"options": "A-F"}.get(name, name or "-")


def import_csv(path: Path, *, bank_dir: Path, into: Path | None = None) -> ImportResult:
    """Merge a CSV into the bank's YAML files: rows with a known id replace that question in place,
    new ids are appended to ``into`` (default: the theme's file). All or nothing: with any problem,
    no file is written.
    """
    result = ImportResult()
    text = read_csv_text(path)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c != "options" and c not in (reader.fieldnames or [])]
    if missing:
        result.problems.append(RowProblem(1, ", ".join(missing), "missing column(s) in the header row"))
        return result

    files = question_files(bank_dir)
    bank = load_bank(files)
    if not bank.ok:
        result.problems.append(RowProblem(0, "-", f"the bank itself has problems: {bank.problems[0]}"))
        return result
    by_file: dict[Path, list[Question]] = {f: [q for q in bank.questions if q.file == str(f)] for f in files}
    home = {q.id: Path(q.file) for q in bank.questions}

    imported: list[tuple[int, Question]] = []
    seen_ids: dict[str, int] = {}
    for row_number, row in enumerate(reader, start=2):  # row 1 is the header, as Excel counts
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # blank lines Excel leaves at the end
        problems: list[Problem] = []
        entry = _entry(row)
        entry["__line__"] = row_number
        question = validate_entry(entry, str(path), problems)
        result.problems += [RowProblem(row_number, _column(p), p.message) for p in problems]
        if question is None:
            continue
        if question.id in seen_ids:
            result.problems.append(
                RowProblem(row_number, "id", f"id {question.id} is also on row {seen_ids[question.id]}")
            )
            continue
        seen_ids[question.id] = row_number
        imported.append((row_number, question))

    keep_facts = "fact" not in (reader.fieldnames or [])  # a sheet without the column keeps the keys
    for _row, question in imported:
        target = home.get(question.id) or into or bank_dir / f"{question.theme.value}.yaml"
        questions = by_file.setdefault(target, [])
        index = next((i for i, q in enumerate(questions) if q.id == question.id), None)
        if index is not None and keep_facts:
            question = replace(question, fact=questions[index].fact)
        if index is None:
            questions.append(question)
            result.added.append(question.id)
        elif questions[index] != _with_place(question, questions[index]):
            questions[index] = question
            result.updated.append(question.id)

    rows_of = {q.id: row for row, q in imported}
    first_text: dict[str, str] = {}
    for questions in by_file.values():
        for q in questions:
            key = normalized_text(q.text)
            if key in first_text and first_text[key] != q.id:
                row = rows_of.get(q.id) or rows_of.get(first_text[key], 0)
                result.problems.append(RowProblem(row, "question", f"same question text as {first_text[key]}"))
            first_text.setdefault(key, q.id)
    if result.problems:
        result.added, result.updated = [], []
        return result

    for target, questions in by_file.items():
        new_text = dump_questions(questions)
        if not target.exists() or target.read_text(encoding="utf-8") != new_text:
            target.write_text(new_text, encoding="utf-8")
            result.written.append(target)
    return result


def _with_place(question: Question, like: Question) -> Question:
    """``question`` with the file and line of ``like``, so equality compares content only."""
    return replace(question, file=like.file, line=like.line)
