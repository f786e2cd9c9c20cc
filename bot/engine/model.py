"""Domain values: themes, grade bands, question kinds and the question itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

LETTERS = "ABCDEF"
JUDGE_OPTIONS = ("正确", "错误")


class Theme(StrEnum):
    """The seven themes of the bank, in display order."""

    KNOWLEDGE = "knowledge"
    HARM = "harm"
    PREVENTION = "prevention"
    LAW = "law"
    HISTORY = "history"
    POLICY = "policy"
    YINJIANG = "yinjiang"

    @property
    def label(self) -> str:
        """The Chinese display name of the theme."""
        return _THEME_LABELS[self]


_THEME_LABELS = {
    Theme.KNOWLEDGE: "毒品认知",
    Theme.HARM: "毒品危害",
    Theme.PREVENTION: "预防与拒毒",
    Theme.LAW: "法律法规",
    Theme.HISTORY: "禁毒历史与纪念日",
    Theme.POLICY: "禁毒方针与行动",
    Theme.YINJIANG: "印江禁毒实践",
}


class Grade(StrEnum):
    """Grade bands: 小学五、六年级, 初中, 高中与中职."""

    PRIMARY = "primary"
    JUNIOR = "junior"
    SENIOR = "senior"

    @property
    def label(self) -> str:
        """The Chinese display name of the band."""
        return _GRADE_LABELS[self]


_GRADE_LABELS = {Grade.PRIMARY: "小学", Grade.JUNIOR: "初中", Grade.SENIOR: "高中·中职"}


class Kind(StrEnum):
    """Question kinds: one right option, an exact set of options, or true/false."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    JUDGE = "judge"

    @property
    def label(self) -> str:
        """The Chinese display name of the kind."""
        return _KIND_LABELS[self]


_KIND_LABELS = {Kind.SINGLE: "单选题", Kind.MULTIPLE: "多选题", Kind.JUDGE: "判断题"}

THEMES: tuple[str, ...] = tuple(t.value for t in Theme)
GRADES: tuple[str, ...] = tuple(g.value for g in Grade)
KINDS: tuple[str, ...] = tuple(k.value for k in Kind)


@dataclass(frozen=True, slots=True)
class Question:
    """One validated question of the bank.

    Attributes:
        id: Stable id, unique across the bank (answers refer to it forever).
        theme: The theme it belongs to.
        grades: The grade bands it is written for.
        kind: single, multiple or judge.
        difficulty: 1 (easy) to 3 (hard).
        text: The question as shown.
        options: Option texts in their original order (letters A, B, C ... by position).
        answer: The right letters, sorted, e.g. ``"B"`` or ``"AC"``.
        explanation: What the student learns after answering.
        source: Where the fact is from.
        fact: The key of the fact it tests, shared by every question that asks the same fact
            (across themes too); may be ``None`` when no other question asks it.
        file: The file it was read from (for error messages), may be empty.
        line: The line its entry starts on, 0 when unknown.
    """

    id: str
    theme: Theme
    grades: frozenset[Grade]
    kind: Kind
    difficulty: int
    text: str
    options: tuple[str, ...]
    answer: str
    explanation: str
    source: str
    fact: str | None = None
    file: str = ""
    line: int = 0

    @property
    def letters(self) -> str:
        """The option letters of this question in original order, e.g. ``"ABCD"``."""
        return LETTERS[: len(self.options)]

    @property
    def group(self) -> str:
        """Its fact group: the ``fact`` key, or its own id when it has none (``#`` keeps them apart)."""
        return self.fact or f"#{self.id}"
