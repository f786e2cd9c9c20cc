"""Handlers of inline buttons. Every callback query is answered, so no button keeps spinning."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from bot.services import AlreadyAnswered, InvalidChoice, NoQuestions, NothingToReview, RoundClosed, RoundNotFound
from bot.tg import callbacks as cb
from bot.tg import keyboards, texts
from bot.tg.context import BotContext, identity

log = logging.getLogger(__name__)


async def pick_grade(update: Update, context: BotContext) -> None:
    """Store the grade band chosen at /start."""
    query = update.callback_query
    data = cb.parse(query.data)
    await context.run(context.accounts.set_grade, identity(update), data.grade)
    await query.answer()
    await query.edit_message_text(texts.GRADE_SET.format(grade=texts.GRADE_BUTTONS[data.grade]))


async def pick_theme(update: Update, context: BotContext) -> None:
    """Start a round of the chosen theme and send its first question."""
    query = update.callback_query
    data = cb.parse(query.data)
    try:
        view = await context.run(context.quiz.start_round, identity(update), theme=data.theme)
    except NoQuestions:
        await query.answer(texts.NO_QUESTIONS, show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(texts.ROUND_STARTED.format(theme=texts.theme_label(data.theme), total=view.total))
    await query.message.chat.send_message(texts.question(view), reply_markup=keyboards.answers(view))


async def new_quiz(update: Update, context: BotContext) -> None:
    """再来一轮: show the theme picker again."""
    query = update.callback_query
    await query.answer()
    await query.message.chat.send_message(texts.PICK_THEME, reply_markup=keyboards.themes())


async def start_review(update: Update, context: BotContext) -> None:
    """复习错题 button: start a review round."""
    query = update.callback_query
    try:
        view = await context.run(context.quiz.start_review, identity(update))
    except NothingToReview:
        await query.answer(texts.NOTHING_TO_REVIEW, show_alert=True)
        return
    await query.answer()
    await query.message.chat.send_message(texts.REVIEW_STARTED.format(total=view.total))
    await query.message.chat.send_message(texts.question(view), reply_markup=keyboards.answers(view))


async def answer(update: Update, context: BotContext) -> None:
    """Grade an answer, show the result in the same message, then the next question or the summary."""
    query = update.callback_query
    data = cb.parse(query.data)
    if not data.letters:
        await query.answer(texts.ALERT_PICK_ONE, show_alert=True)
        return
    try:
        result = await context.run(context.quiz.answer, identity(update), data.round_id, data.position, data.letters)
    except AlreadyAnswered as exc:
        if exc.resend is None:  # a double tap: the first press is being shown
            await query.answer(texts.ALERT_ANSWERED, show_alert=True)
            return
        await query.answer(texts.TOAST_RESHOWN)  # looking for the question, e.g. after a failed send
        await query.message.chat.send_message(texts.question(exc.resend), reply_markup=keyboards.answers(exc.resend))
        return
    except (RoundClosed, RoundNotFound, InvalidChoice):
        await query.answer(texts.ALERT_STALE, show_alert=True)
        return
    await query.answer(texts.TOAST_RIGHT if result.correct else texts.TOAST_WRONG)
    await query.edit_message_text(texts.outcome(result))
    chat = query.message.chat
    if result.next_question is not None:
        view = result.next_question
        await chat.send_message(texts.question(view), reply_markup=keyboards.answers(view))
    else:
        await chat.send_message(texts.summary(result.summary), reply_markup=keyboards.after_round())


async def toggle(update: Update, context: BotContext) -> None:
    """Tick or untick an option of a multiple-choice question (the selection lives in the buttons)."""
    query = update.callback_query
    data = cb.parse(query.data)
    try:
        view = await context.run(context.quiz.current_question, identity(update), data.round_id)
    except (RoundClosed, RoundNotFound):
        await query.answer(texts.ALERT_STALE, show_alert=True)
        return
    if view.position != data.position:
        await query.answer(texts.ALERT_ANSWERED, show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_reply_markup(keyboards.answers(view, selected=data.selected))
    except BadRequest as exc:  # a repeated tap asks for the markup it already has
        if "not modified" not in str(exc).lower():
            raise


async def confirm_forget(update: Update, context: BotContext) -> None:
    """Delete everything about the user, or cancel."""
    query = update.callback_query
    data = cb.parse(query.data)
    await query.answer()
    if not data.confirmed:
        await query.edit_message_text(texts.FORGET_CANCELLED)
        return
    deleted = await context.run(context.accounts.forget, identity(update))
    await query.edit_message_text(texts.FORGET_DONE if deleted else texts.FORGET_NOTHING)


async def continue_round(update: Update, context: BotContext) -> None:
    """继续本轮: show the current question of the unfinished round again, with its buttons."""
    query = update.callback_query
    view = await context.run(context.quiz.active_question, identity(update))
    if view is None:
        await query.answer(texts.ALERT_STALE, show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(texts.CONTINUING.format(number=view.number, total=view.total))
    await query.message.chat.send_message(texts.question(view), reply_markup=keyboards.answers(view))


async def unknown_button(update: Update, context: BotContext) -> None:
    """Callback data that does not parse: forged, truncated or from an older version."""
    query = update.callback_query
    log.warning("unparseable callback data %r from user %s", query.data, query.from_user.id)
    await query.answer(texts.ALERT_BAD_BUTTON, show_alert=True)
