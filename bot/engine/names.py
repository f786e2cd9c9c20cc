"""Generated pseudonyms, so no real name ever shows on a leaderboard by default."""

from __future__ import annotations

import random

_ADJECTIVES = ("勇敢的", "聪明的", "阳光的", "认真的", "机智的", "快乐的", "坚定的", "明亮的")
_NOUNS = ("小熊猫", "小海豚", "小白鸽", "小松鼠", "小雄鹰", "小骏马", "小蜜蜂", "小鲸鱼")


def pseudonym(rng: random.Random) -> str:
    """A friendly name such as ``勇敢的小熊猫4821``."""
    return f"{rng.choice(_ADJECTIVES)}{rng.choice(_NOUNS)}{rng.randrange(1000, 10000)}"
