"""Callback data: every button round-trips and stays under 64 bytes; junk does not parse."""

from __future__ import annotations

import pytest

from bot.engine.model import Grade, Theme
from bot.tg import callbacks as cb

EXAMPLES = [
    cb.PickGrade(Grade.SENIOR),
    cb.PickTheme(Theme.YINJIANG),
    cb.PickTheme(None),
    cb.Answer(999_999_999_999, 99, "ABCDEF"),
    cb.Answer(1, 0, ""),
    cb.Toggle(999_999_999_999, 99, "ACE"),
    cb.StartReview(),
    cb.NewQuiz(),
    cb.Forget(True),
    cb.Forget(False),
]


@pytest.mark.parametrize("item", EXAMPLES)
def test_round_trip_and_size(item):
    data = cb.encode(item)
    assert data.isascii() and len(data.encode()) <= 64
    assert cb.parse(data) == item


@pytest.mark.parametrize(
    "junk", [None, 42, "", "a", "a:1:2", "a:x:0:A", "a:1:0:G", "t:sports", "f:maybe", "r2", "a" * 65]
)
def test_junk_does_not_parse(junk):
    assert cb.parse(junk) is None
