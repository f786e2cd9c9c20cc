"""The pure quiz domain: no I/O, no clock, no Telegram, no database.

Time (`now`) and randomness (`rng`) are always passed in, and functions return new values instead
of changing their inputs, so every result is reproducible in a test.
"""

from bot.engine.grading import POINTS_BY_DIFFICULTY, grade, points_for
from bot.engine.model import GRADES, KINDS, THEMES, Grade, Kind, Question, Theme
from bot.engine.selection import select_round
from bot.engine.shuffle import shuffle_options, to_original, to_shown
from bot.engine.streak import local_day, streak_length

__all__ = [
    "GRADES",
    "KINDS",
    "POINTS_BY_DIFFICULTY",
    "THEMES",
    "Grade",
    "Kind",
    "Question",
    "Theme",
    "grade",
    "local_day",
    "points_for",
    "select_round",
    "shuffle_options",
    "streak_length",
    "to_original",
    "to_shown",
]
