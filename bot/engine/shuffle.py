"""Shuffling options per delivery and mapping letters between shown and original order.

An *order* is a string of original letters in the order they are shown: ``"CADB"`` shows the
original option C under letter A, original A under B, and so on. Everything stored uses original
letters, so a later change of the shuffle never changes what an old answer meant.
"""

from __future__ import annotations

import random

from bot.engine.model import LETTERS, Kind, Question


def shuffle_options(question: Question, rng: random.Random) -> str:
    """Return a shown order for ``question``; judge questions keep 正确/错误 in place."""
    letters = list(question.letters)
    if question.kind is not Kind.JUDGE:
        rng.shuffle(letters)
    return "".join(letters)


def to_original(order: str, shown: str) -> str:
    """Map shown letters to original letters (``order="CADB"``, ``shown="A"`` -> ``"C"``).

    Raises:
        ValueError: if a shown letter is not one of the displayed options.
    """
    result = []
    for letter in shown.upper():
        index = LETTERS.find(letter)
        if index < 0 or index >= len(order):
            raise ValueError(f"no option {letter!r}")
        result.append(order[index])
    return "".join(sorted(set(result)))


def to_shown(order: str, original: str) -> str:
    """Map original letters to the letters they were shown under, sorted."""
    return "".join(sorted(LETTERS[order.index(letter)] for letter in set(original)))


def shown_options(question: Question, order: str) -> list[tuple[str, str]]:
    """The options as displayed: ``[(shown letter, text), ...]`` in shown order."""
    return [(LETTERS[i], question.options[LETTERS.index(orig)]) for i, orig in enumerate(order)]
