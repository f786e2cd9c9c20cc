"""Loads and validates ``questions/calendar.yaml`` into engine entries (file:line: what is wrong)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

import yaml

from bot.bank import packaged_questions_dir
from bot.engine.calendar import WEEKDAYS, Entry, Rule

FIELDS = {"key", "rule", "at", "text", "button", "first_year"}
BUTTONS = {"daily", "quiz", "none"}
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_DAY = r"(\d{2})-(\d{2})"
_RULES = (
    (re.compile(rf"date {_DAY}"), lambda m: Rule("date", month=int(m[1]), day=int(m[2]))),
    (
        re.compile(rf"nth ([1-4]|last) ({'|'.join(WEEKDAYS)}) of (\d{{2}})"),
        lambda m: Rule("nth", month=int(m[3]), n=-1 if m[1] == "last" else int(m[1]), weekday=WEEKDAYS.index(m[2])),
    ),
    (
        re.compile(rf"daily {_DAY}\.\.{_DAY}"),
        lambda m: Rule("daily", start=(int(m[1]), int(m[2])), end=(int(m[3]), int(m[4]))),
    ),
    (
        re.compile(rf"weekly ({'|'.join(WEEKDAYS)}) {_DAY}\.\.{_DAY}"),
        lambda m: Rule(
            "weekly", weekday=WEEKDAYS.index(m[1]), start=(int(m[2]), int(m[3])), end=(int(m[4]), int(m[5]))
        ),
    ),
)


@dataclass
class Calendar:
    """The entries, or the problems that kept the file from loading."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file loaded without problems."""
        return not self.problems


def calendar_path() -> Path:
    """The packaged calendar."""
    return packaged_questions_dir() / "calendar.yaml"


def parse_rule(text: str) -> Rule | None:
    """A rule from its text, or None when it does not parse or names an impossible date."""
    for pattern, build in _RULES:
        match = pattern.fullmatch(text.strip())
        if match:
            rule = build(match)
            days = [(rule.month, rule.day)] if rule.kind == "date" else [rule.start, rule.end]
            if rule.kind == "nth":
                days = [(rule.month, 1)]
            if all(_real(m, d) for m, d in days) and rule.start <= rule.end:
                return rule
            return None
    return None


def _real(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def load_calendar(path: Path | None = None) -> Calendar:
    """Read and check the calendar: every problem as ``FILE:LINE: KEY: what is wrong``."""
    path = path or calendar_path()
    result = Calendar()
    try:
        document = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        result.problems.append(f"{path}:{line}: YAML: {getattr(exc, 'problem', exc)}")
        return result
    items = _mapping(document).get("reminders")
    if items is None or not isinstance(items, yaml.SequenceNode):
        result.problems.append(f"{path}:1: the file needs a list under 'reminders:'")
        return result
    seen: set[str] = set()
    for node in items.value:
        line = node.start_mark.line + 1
        values = {k: v.value for k, v in _mapping(node).items() if isinstance(v, yaml.ScalarNode)}
        key = str(values.get("key", "?"))

        def problem(what: str, line: int = line, key: str = key) -> None:
            result.problems.append(f"{path}:{line}: {key}: {what}")

        for name in sorted(set(values) - FIELDS):
            problem(f"unknown field '{name}'")
        if not _KEY.fullmatch(key):
            problem("key must be lower-case letters, digits and dashes (1-32)")
        elif key in seen:
            problem("key used twice")
        seen.add(key)
        rule = parse_rule(str(values.get("rule", "")))
        if rule is None:
            problem(
                f"rule {values.get('rule')!r} is not one of: date MM-DD, nth N|last WEEKDAY of MM, "
                "daily MM-DD..MM-DD, weekly WEEKDAY MM-DD..MM-DD"
            )
        try:
            at = time.fromisoformat(str(values.get("at", "")))
        except ValueError:
            problem(f'at {values.get("at")!r} must be a time such as "17:00"')
            at = None
        text = str(values.get("text", "")).strip()
        first_year = values.get("first_year")
        if not text:
            problem("text is missing")
        elif "{edition}" in text and first_year is None:
            problem("text uses {edition} but first_year is missing")
        if first_year is not None and not str(first_year).isdigit():
            problem("first_year must be a year")
        button = str(values.get("button", "none"))
        if button not in BUTTONS:
            problem(f"button must be one of {', '.join(sorted(BUTTONS))}")
        if rule is not None and at is not None and text:
            result.entries.append(
                Entry(
                    key=key,
                    rule=rule,
                    at=at,
                    text=text,
                    button=None if button == "none" else button,
                    first_year=int(first_year) if first_year and str(first_year).isdigit() else None,
                )
            )
    if result.problems:
        result.entries.clear()
    return result


def _mapping(node) -> dict:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value}
