"""Loading and validating the question bank (``questions/*.yaml``).

Every problem is reported as ``FILE:LINE: QUESTION_ID: what is wrong``; nothing raises on bad
content, so an author sees all problems of a file at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.engine.model import GRADES, JUDGE_OPTIONS, KINDS, LETTERS, THEMES, Grade, Kind, Question, Theme

# Telegram's quiz-poll limits, so every question can also be sent as a native quiz.
MAX_QUESTION = 300
MAX_OPTION = 100
MAX_EXPLANATION = 200
MAX_EXPLANATION_BREAKS = 2
MIN_OPTIONS, MAX_OPTIONS = 2, 6

REQUIRED = (
    "id",
    "theme",
    "grades",
    "kind",
    "difficulty",
    "question",
    "options",
    "answer",
    "explanation",
    "source",
)
OPTIONAL = ("fact",)
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
FACT_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_FACT = 40
# Two questions whose wording is at least this similar (character bigrams, Dice) should share a
# fact key; `check` warns about them otherwise.
NEAR_DUPLICATE = 0.8
# Options are shuffled when shown, so an explanation may not point at "选项A", "B项" or "前三项".
OPTION_REFERENCE = re.compile(r"选项\s*[A-F]|(?<![A-Za-z])[A-F]\s*[项、]\s*[A-F]?|[前后][一二两三四五]项")
_LINE = "__line__"
_ABSENT = object()  # stands in for a missing field so later checks skip it

try:  # libyaml is about ten times faster; fall back to the pure-Python parser.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class _LineLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe loader that records the line each mapping starts on."""


def _mapping_with_line(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a question file."""

    file: str
    line: int
    question_id: str
    message: str
    field: str = ""  # the field it is about, when there is one
    warning: bool = False  # a warning is printed but does not make the bank invalid

    def __str__(self) -> str:
        level = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {self.question_id}: {level}{self.message}"


@dataclass
class Bank:
    """The loaded questions and every problem found while loading them."""

    questions: list[Question] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found (warnings do not count)."""
        return not self.problems

    @cached_property
    def warnings(self) -> list[Problem]:
        """Near-identical wording without a shared fact key; worked out when first asked for, so
        loading the bank (at start-up) does not pay for it."""
        return near_duplicate_warnings(self.questions)

    def by_id(self) -> dict[str, Question]:
        """Questions keyed by id."""
        return {q.id: q for q in self.questions}


def packaged_questions_dir() -> Path:
    """The ``questions/`` folder that ships beside the ``bot`` package."""
    return Path(__file__).resolve().parent.parent / "questions"


def question_files(directory: Path) -> list[Path]:
    """The theme files of a bank folder, sorted (``calendar.yaml`` is not a question file)."""
    return sorted(p for p in directory.glob("*.yaml") if p.name != "calendar.yaml")


def normalized_text(text: str) -> str:
    """Question text without spaces and punctuation, for spotting the same question twice."""
    kept = (ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] not in "PZSC")
    return "".join(kept).casefold()


def load_bank(paths: Iterable[Path] | None = None) -> Bank:
    """Load and validate question files; by default the packaged bank.

    Ids must be unique and no question text may appear twice across all the given files.
    """
    files = list(paths) if paths is not None else question_files(packaged_questions_dir())
    bank = Bank()
    first_id: dict[str, str] = {}
    first_text: dict[str, str] = {}
    for path in files:
        for question in _load_file(path, bank.problems):
            where = f"{question.file}:{question.line}"
            if question.id in first_id:
                bank.problems.append(_problem(question, f"duplicate id, first at {first_id[question.id]}"))
                continue
            key = normalized_text(question.text)
            if key in first_text:
                bank.problems.append(_problem(question, f"same question text as {first_text[key]}"))
                continue
            first_id[question.id] = where
            first_text[key] = f"{where} ({question.id})"
            bank.questions.append(question)
    order = {str(path): i for i, path in enumerate(files)}
    bank.problems.sort(key=lambda p: (order.get(p.file, len(order)), p.line))
    return bank


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of a text without spaces and punctuation."""
    kept = normalized_text(text)
    return frozenset(kept[i : i + 2] for i in range(len(kept) - 1)) or frozenset([kept])


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two bigram sets: 1.0 for the same wording, 0.0 for nothing shared."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def near_duplicates(
    questions: Sequence[Question], threshold: float = NEAR_DUPLICATE
) -> list[tuple[Question, Question, float]]:
    """Pairs (earlier, later, similarity) whose question and options read nearly the same and that
    do not share a fact key."""
    keyed = [(bigrams(q.text + "".join(q.options)), i, q) for i, q in enumerate(questions)]
    keyed.sort(key=lambda item: len(item[0]))
    pairs = []
    for n, (grams, i, q) in enumerate(keyed):
        # Dice >= t needs the smaller set to be at least t / (2 - t) of the larger one.
        floor = len(grams) * threshold / (2 - threshold)
        for other, j, p in reversed(keyed[:n]):
            if len(other) < floor:
                break
            if q.fact is not None and q.fact == p.fact:
                continue
            score = similarity(grams, other)
            if score >= threshold:
                first, second = (p, q) if j < i else (q, p)
                pairs.append((first, second, score))
    pairs.sort(key=lambda pair: (pair[1].file, pair[1].line, pair[0].id))
    return pairs


def near_duplicate_warnings(questions: Sequence[Question]) -> list[Problem]:
    """One warning per near-identical pair without a shared fact key, on the later question."""
    return [
        Problem(
            second.file,
            second.line,
            second.id,
            f"wording nearly the same as {first.file}:{first.line} ({first.id}), similarity {score:.2f}: "
            "give both the same 'fact' key if they ask one fact, else reword one",
            "question",
            warning=True,
        )
        for first, second, score in near_duplicates(questions)
    ]


def _problem(question: Question, message: str) -> Problem:
    return Problem(question.file, question.line, question.id, message)


def _load_file(path: Path, problems: list[Problem]) -> list[Question]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, 0, "-", f"cannot read file: {exc}"))
        return []
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problems.append(Problem(name, line, "-", f"YAML syntax error: {exc.problem or exc}"))
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(name, 0, "-", f"YAML error: {exc}"))
        return []
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        problems.append(Problem(name, 1, "-", "the file must have a top-level list 'questions:'"))
        return []
    questions = []
    for index, entry in enumerate(data["questions"], start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(name, 0, "-", f"entry {index} of 'questions' is not a mapping"))
            continue
        question = validate_entry(entry, name, problems)
        if question is not None:
            questions.append(question)
    return questions


def validate_entry(entry: dict[str, Any], file: str, problems: list[Problem]) -> Question | None:
    """Turn one YAML entry into a Question, or record what is wrong with it and return None."""
    line = entry.pop(_LINE, 0)
    qid = entry.get("id")
    label = qid if isinstance(qid, str) and qid else "-"
    errors: list[tuple[str, str]] = []

    def fail(field_name: str, message: str) -> None:
        errors.append((field_name, message))

    missing = [key for key in REQUIRED if key not in entry]
    for key in missing:
        fail(key, f"missing field '{key}'")
    for key in entry:
        if key not in REQUIRED and key not in OPTIONAL:
            fail(key, f"unknown field '{key}'")
    for key in missing:  # check what is there; the missing ones are already reported
        entry[key] = _ABSENT

    if qid is not _ABSENT and (not isinstance(qid, str) or not ID_PATTERN.match(qid)):
        fail("id", f"id must look like 'law-001' (lower-case letters, digits, hyphens), got {qid!r}")
    theme, kind = entry["theme"], entry["kind"]
    if theme is not _ABSENT and theme not in THEMES:
        fail("theme", f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
    if kind is not _ABSENT and kind not in KINDS:
        fail("kind", f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    grades = entry["grades"]
    if grades is _ABSENT:
        grades = []
    elif not isinstance(grades, list) or not grades:
        fail("grades", "grades must be a non-empty list")
        grades = []
    for g in grades:
        if g not in GRADES:
            fail("grades", f"grade must be one of {', '.join(GRADES)}, got {g!r}")
    if len(set(map(str, grades))) != len(grades):
        fail("grades", "grades lists a band twice")
    difficulty = entry["difficulty"]
    if difficulty is not _ABSENT and (type(difficulty) is not int or difficulty not in (1, 2, 3)):
        fail("difficulty", f"difficulty must be 1, 2 or 3, got {difficulty!r}")

    text = entry["question"]
    if text is _ABSENT:
        pass
    elif not isinstance(text, str) or not text.strip():
        fail("question", "question must be non-empty text")
    elif len(text) > MAX_QUESTION:
        fail("question", f"question is {len(text)} characters, at most {MAX_QUESTION}")

    options = entry["options"]
    if options is _ABSENT:
        options = []
    elif not isinstance(options, list) or not all(isinstance(o, str | int | float) for o in options):
        fail("options", "options must be a list of texts")
        options = []
    options = [str(o).strip() for o in options]
    if entry["options"] is not _ABSENT and not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        fail("options", f"options must have {MIN_OPTIONS} to {MAX_OPTIONS} entries, got {len(options)}")
    if any(not o for o in options):
        fail("options", "an option is empty")
    seen_options: dict[str, str] = {}
    for letter, option in zip(LETTERS, options, strict=False):
        key = "".join(unicodedata.normalize("NFKC", option).split()).casefold()
        if key in seen_options:
            fail("options", f"options {seen_options[key]} and {letter} are the same")
        seen_options.setdefault(key, letter)
    for i, option in enumerate(options):
        if len(option) > MAX_OPTION:
            letter = LETTERS[i] if i < len(LETTERS) else str(i + 1)
            fail(f"option {letter}", f"option {letter} is {len(option)} characters, at most {MAX_OPTION}")
    if kind == Kind.JUDGE and tuple(options) != JUDGE_OPTIONS:
        fail("options", "judge questions must have options [正确, 错误]")

    answer = entry["answer"]
    letters = LETTERS[: len(options)]
    if answer is _ABSENT:
        answer = ""
    elif not isinstance(answer, str) or not answer.strip():
        fail("answer", f"answer must be letters such as 'A' or 'AC', got {answer!r}")
        answer = ""
    answer = answer.strip().upper()
    if answer:
        outside = [c for c in answer if c not in letters]
        if outside:
            fail("answer", f"answer {answer!r} names letters outside the options {letters}")
        if len(set(answer)) != len(answer):
            fail("answer", f"answer {answer!r} repeats a letter")
        if kind in (Kind.SINGLE, Kind.JUDGE) and len(answer) != 1:
            fail("answer", f"a {kind} question has exactly one answer letter, got {answer!r}")
        if kind == Kind.MULTIPLE and len(set(answer)) < 2:
            fail("answer", f"a multiple question has at least two answer letters, got {answer!r}")

    explanation = entry["explanation"]
    if explanation is _ABSENT:
        pass
    elif not isinstance(explanation, str) or not explanation.strip():
        fail("explanation", "explanation must be non-empty text")
    else:
        explanation = explanation.strip()
        if len(explanation) > MAX_EXPLANATION:
            fail("explanation", f"explanation is {len(explanation)} characters, at most {MAX_EXPLANATION}")
        if explanation.count("\n") > MAX_EXPLANATION_BREAKS:
            fail("explanation", f"explanation has more than {MAX_EXPLANATION_BREAKS} line breaks")
        reference = OPTION_REFERENCE.search(explanation)
        if reference:
            fail(
                "explanation",
                f"explanation points at options by letter or position ({reference[0]!r}); "
                "options are shuffled when shown, name them instead",
            )
    source = entry["source"]
    if source is not _ABSENT and (not isinstance(source, str) or not source.strip()):
        fail("source", "source must be non-empty text")
    fact = entry.get("fact")
    if fact is not None and (not isinstance(fact, str) or len(fact) > MAX_FACT or not FACT_PATTERN.match(fact)):
        fail(
            "fact",
            f"fact must be a short key such as 'wastewater-testing' (lower-case ASCII letters, digits, "
            f"hyphens, at most {MAX_FACT} characters), got {fact!r}",
        )

    if errors:
        problems.extend(Problem(file, line, label, message, field_name) for field_name, message in errors)
        return None
    return Question(
        id=qid,
        theme=Theme(theme),
        grades=frozenset(Grade(g) for g in grades),
        kind=Kind(kind),
        difficulty=difficulty,
        text=text.strip(),
        options=tuple(options),
        answer="".join(sorted(answer)),
        explanation=explanation,
        source=source.strip(),
        fact=fact,
        file=file,
        line=line,
    )


def bank_stats(questions: Sequence[Question]) -> dict[str, Any]:
    """Totals by theme, grade band, kind and difficulty, and the distinct facts (fact groups) of each
    theme (every known key present, zeros too)."""
    return {
        "total": len(questions),
        "by_theme": {t: sum(q.theme == t for q in questions) for t in THEMES},
        "facts_by_theme": {t: len({q.group for q in questions if q.theme == t}) for t in THEMES},
        "by_grade": {g: sum(g in q.grades for q in questions) for g in GRADES},
        "by_kind": {k: sum(q.kind == k for q in questions) for k in KINDS},
        "by_difficulty": {str(d): sum(q.difficulty == d for q in questions) for d in (1, 2, 3)},
    }


# The bank's size and balance targets: `jindu questions stats` reports them and a test holds them.
MIN_TOTAL = 300
MIN_PER_THEME = 30
MIN_PER_THEME_OVERRIDE = {Theme.YINJIANG.value: 40}
MIN_PER_GRADE = 120
MIN_JUDGE_SHARE = 0.20
MIN_MULTIPLE_SHARE = 0.10


@dataclass(frozen=True, slots=True)
class CoverageCheck:
    """One target of the bank and whether it is met."""

    name: str
    actual: float
    target: float

    @property
    def ok(self) -> bool:
        """True when the target is met."""
        return self.actual >= self.target


def coverage_checks(questions: Sequence[Question]) -> list[CoverageCheck]:
    """Every size and balance target of the bank, with the bank's actual figures."""
    stats = bank_stats(questions)
    total = stats["total"]
    checks = [CoverageCheck("total", total, MIN_TOTAL)]
    for theme in THEMES:
        checks.append(
            CoverageCheck(f"theme {theme}", stats["by_theme"][theme], MIN_PER_THEME_OVERRIDE.get(theme, MIN_PER_THEME))
        )
        levels = {q.difficulty for q in questions if q.theme == theme}
        checks.append(CoverageCheck(f"theme {theme} difficulty levels", len(levels), 3))
    for grade in GRADES:
        checks.append(CoverageCheck(f"grade {grade}", stats["by_grade"][grade], MIN_PER_GRADE))
    share = (lambda kind: round(stats["by_kind"][kind] / total, 3)) if total else (lambda kind: 0.0)
    checks.append(CoverageCheck("judge share", share(Kind.JUDGE.value), MIN_JUDGE_SHARE))
    checks.append(CoverageCheck("multiple share", share(Kind.MULTIPLE.value), MIN_MULTIPLE_SHARE))
    return checks
