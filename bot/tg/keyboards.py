"""Inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.engine.model import Grade, Kind, Theme
from bot.engine.periods import BOARD_PERIODS, Period
from bot.services import QuestionView
from bot.tg import callbacks as cb
from bot.tg import texts


def _button(text: str, data: cb.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=cb.encode(data))


def grades() -> InlineKeyboardMarkup:
    """小学 / 初中 / 高中·中职."""
    return InlineKeyboardMarkup([[_button(texts.GRADE_BUTTONS[g], cb.PickGrade(g)) for g in Grade]])


def themes() -> InlineKeyboardMarkup:
    """The seven themes, two per row, and 综合随机."""
    buttons = [_button(t.label, cb.PickTheme(t)) for t in Theme]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(texts.ALL_THEMES, cb.PickTheme(None))])
    return InlineKeyboardMarkup(rows)


def answers(view: QuestionView, selected: str = "") -> InlineKeyboardMarkup:
    """Answer buttons: letters, 正确/错误, or toggles plus 提交 for multiple choice."""
    rid, pos = view.round_id, view.position
    kind = view.question.kind
    if kind is Kind.JUDGE:
        row = [
            _button(texts.JUDGE_TRUE, cb.Answer(rid, pos, "A")),
            _button(texts.JUDGE_FALSE, cb.Answer(rid, pos, "B")),
        ]
        return InlineKeyboardMarkup([row])
    letters = [letter for letter, _ in view.options]
    if kind is Kind.SINGLE:
        return InlineKeyboardMarkup([[_button(letter, cb.Answer(rid, pos, letter)) for letter in letters]])
    toggles = []
    for letter in letters:
        after = "".join(sorted(set(selected) ^ {letter}))
        mark = "☑" if letter in selected else "☐"
        toggles.append(_button(f"{mark} {letter}", cb.Toggle(rid, pos, after)))
    submit = _button(f"{texts.SUBMIT}（{selected or '未选'}）", cb.Answer(rid, pos, selected))
    return InlineKeyboardMarkup([toggles, [submit]])


def after_round() -> InlineKeyboardMarkup:
    """再来一轮 / 复习错题."""
    return InlineKeyboardMarkup([[_button(texts.AGAIN, cb.NewQuiz()), _button(texts.REVIEW_BUTTON, cb.StartReview())]])


def continue_or_new() -> InlineKeyboardMarkup:
    """继续本轮 / 新的一轮."""
    return InlineKeyboardMarkup(
        [[_button(texts.CONTINUE_BUTTON, cb.ContinueRound()), _button(texts.NEW_ROUND_BUTTON, cb.NewQuiz())]]
    )


def forget() -> InlineKeyboardMarkup:
    """确认删除 / 取消."""
    return InlineKeyboardMarkup(
        [[_button(texts.FORGET_YES, cb.Forget(True)), _button(texts.FORGET_NO, cb.Forget(False))]]
    )


def rank_periods(current: Period) -> InlineKeyboardMarkup:
    """本周 / 本月 / 全部, the current one marked."""
    return InlineKeyboardMarkup(
        [[_button(("· " + p.label + " ·") if p is current else p.label, cb.RankPeriod(p)) for p in BOARD_PERIODS]]
    )


def switch_class(code: str) -> InlineKeyboardMarkup:
    """换到新班级 / 留在原班级."""
    return InlineKeyboardMarkup(
        [[_button(texts.JOIN_SWITCH_YES, cb.SwitchClass(code)), _button(texts.JOIN_SWITCH_NO, cb.SwitchClass(None))]]
    )


def reminder(button: str | None) -> InlineKeyboardMarkup | None:
    """The button under a calendar reminder: 今日一题 or the theme picker."""
    if button == "daily":
        return InlineKeyboardMarkup([[_button(texts.DAILY_BUTTON, cb.DailyQuestion())]])
    if button == "quiz":
        return InlineKeyboardMarkup([[_button(texts.QUIZ_BUTTON, cb.NewQuiz())]])
    return None


def assignment(assignment_id: int) -> InlineKeyboardMarkup:
    """开始任务."""
    return InlineKeyboardMarkup([[_button(texts.ASSIGNMENT_BUTTON, cb.StartAssignment(assignment_id))]])
