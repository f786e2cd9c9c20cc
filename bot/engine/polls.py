"""Which questions fit Telegram's native quiz polls."""

from __future__ import annotations

from bot.engine.model import Question

QUESTION_MAX = 300
OPTION_MAX = 100
EXPLANATION_MAX = 200
EXPLANATION_BREAKS = 2
HEADER_ROOM = 20  # "第 12/20 题 · " before the question text


def fits_poll(question: Question) -> bool:
    """Whether ``question`` can be posted as a quiz poll: question, options and explanation within the limits."""
    return (
        len(question.text) <= QUESTION_MAX - HEADER_ROOM
        and all(len(option) <= OPTION_MAX for option in question.options)
        and len(question.explanation) <= EXPLANATION_MAX
        and question.explanation.count("\n") <= EXPLANATION_BREAKS
    )
