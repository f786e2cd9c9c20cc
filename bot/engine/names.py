"""Generated pseudonyms, so no real name ever shows on a leaderboard by default."""

from __future__ import annotations

import random
import re
import unicodedata
from enum import StrEnum

_ADJECTIVES = ("勇敢的", "聪明的", "阳光的", "认真的", "机智的", "快乐的", "坚定的", "明亮的")
_NOUNS = ("小熊猫", "小海豚", "小白鸽", "小松鼠", "小雄鹰", "小骏马", "小蜜蜂", "小鲸鱼")


def pseudonym(rng: random.Random) -> str:
    """A friendly name such as ``勇敢的小熊猫4821``."""
    return f"{rng.choice(_ADJECTIVES)}{rng.choice(_NOUNS)}{rng.randrange(1000, 10000)}"


NICKNAME_MAX = 16
_LINK = re.compile(r"(https?:|www\.|://|t\.me/|\b[\w-]+\.(com|cn|net|org|me|io|top|xyz|cc)\b)", re.IGNORECASE)


class NicknameProblem(StrEnum):
    """Why a nickname is refused."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    LINK = "link"
    MENTION = "mention"
    CONTROL = "control"


def clean_nickname(raw: str) -> str:
    """The nickname as it will be stored: NFC-normalised, inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def nickname_problem(name: str) -> NicknameProblem | None:
    """Why ``name`` (already cleaned) cannot be a public nickname, or None when it can."""
    if not name:
        return NicknameProblem.EMPTY
    if len(name) > NICKNAME_MAX:
        return NicknameProblem.TOO_LONG
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in name):
        return NicknameProblem.CONTROL
    if "@" in name or "＠" in name:
        return NicknameProblem.MENTION
    if _LINK.search(name):
        return NicknameProblem.LINK
    return None
