"""Callback data: one short ASCII string per button, encoded and parsed only here.

Formats (all well under Telegram's 64-byte limit):
``g:<grade>``  ``t:<theme|all>``  ``a:<round>:<pos>:<letters>``  ``m:<round>:<pos>:<selected>``
``r`` (review)  ``q`` (theme picker)  ``c`` (continue the unfinished round)  ``f:y`` / ``f:n`` (forget confirm)
``k:<week|month|all>`` (leaderboard period)  ``j:<CODE>`` / ``j:-`` (switch class / stay)
``d`` (今日一题: a one-question round)  ``s:<assignment>`` (start a class assignment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.engine.model import GRADES, THEMES, Grade, Theme
from bot.engine.periods import BOARD_PERIODS, CODE_ALPHABET, Period

MAX_BYTES = 64


@dataclass(frozen=True, slots=True)
class PickGrade:
    grade: Grade


@dataclass(frozen=True, slots=True)
class PickTheme:
    theme: Theme | None  # None: all themes


@dataclass(frozen=True, slots=True)
class Answer:
    round_id: int
    position: int
    letters: str


@dataclass(frozen=True, slots=True)
class Toggle:
    round_id: int
    position: int
    selected: str


@dataclass(frozen=True, slots=True)
class StartReview:
    pass


@dataclass(frozen=True, slots=True)
class NewQuiz:
    pass


@dataclass(frozen=True, slots=True)
class ContinueRound:
    pass


@dataclass(frozen=True, slots=True)
class Forget:
    confirmed: bool


@dataclass(frozen=True, slots=True)
class DailyQuestion:
    pass


@dataclass(frozen=True, slots=True)
class StartAssignment:
    assignment_id: int


@dataclass(frozen=True, slots=True)
class RankPeriod:
    period: Period


@dataclass(frozen=True, slots=True)
class SwitchClass:
    code: str | None  # None: stay in the current class


CallbackData = (
    PickGrade
    | PickTheme
    | Answer
    | Toggle
    | StartReview
    | NewQuiz
    | ContinueRound
    | Forget
    | RankPeriod
    | SwitchClass
    | DailyQuestion
    | StartAssignment
)

_PATTERNS = (
    (re.compile(rf"g:({'|'.join(GRADES)})"), lambda m: PickGrade(Grade(m[1]))),
    (re.compile(rf"t:({'|'.join(THEMES)}|all)"), lambda m: PickTheme(None if m[1] == "all" else Theme(m[1]))),
    (re.compile(r"a:(\d{1,12}):(\d{1,2}):([A-F]{0,6})"), lambda m: Answer(int(m[1]), int(m[2]), m[3])),
    (re.compile(r"m:(\d{1,12}):(\d{1,2}):([A-F]{0,6})"), lambda m: Toggle(int(m[1]), int(m[2]), m[3])),
    (re.compile(r"r"), lambda m: StartReview()),
    (re.compile(r"q"), lambda m: NewQuiz()),
    (re.compile(r"c"), lambda m: ContinueRound()),
    (re.compile(r"d"), lambda m: DailyQuestion()),
    (re.compile(r"s:(\d{1,12})"), lambda m: StartAssignment(int(m[1]))),
    (re.compile(r"f:([yn])"), lambda m: Forget(m[1] == "y")),
    (re.compile(rf"k:({'|'.join(BOARD_PERIODS)})"), lambda m: RankPeriod(Period(m[1]))),
    (re.compile(rf"j:([{CODE_ALPHABET}]{{8}}|-)"), lambda m: SwitchClass(None if m[1] == "-" else m[1])),
)


def parse(data: object) -> CallbackData | None:
    """The button behind ``data``, or None for anything forged, truncated or unknown."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(data)
        if match:
            return build(match)
    return None


def encode(item: CallbackData) -> str:
    """The callback string of a button."""
    match item:
        case PickGrade(grade):
            data = f"g:{grade.value}"
        case PickTheme(theme):
            data = f"t:{theme.value if theme else 'all'}"
        case Answer(round_id, position, letters):
            data = f"a:{round_id}:{position}:{letters}"
        case Toggle(round_id, position, selected):
            data = f"m:{round_id}:{position}:{selected}"
        case StartReview():
            data = "r"
        case NewQuiz():
            data = "q"
        case ContinueRound():
            data = "c"
        case Forget(confirmed):
            data = f"f:{'y' if confirmed else 'n'}"
        case RankPeriod(period):
            data = f"k:{period.value}"
        case SwitchClass(code):
            data = f"j:{code or '-'}"
        case DailyQuestion():
            data = "d"
        case StartAssignment(assignment_id):
            data = f"s:{assignment_id}"
    assert len(data.encode()) <= MAX_BYTES
    return data


def matches(kind: type) -> object:
    """A ``CallbackQueryHandler`` pattern that accepts the data of one button kind."""
    return lambda data: isinstance(parse(data), kind)
