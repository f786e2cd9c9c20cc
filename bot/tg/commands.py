"""Handlers of commands, free text and membership changes in private chats."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.services import NicknameRejected, NoQuestions, NothingToReview
from bot.services.errors import NameRejected
from bot.tg import classes, keyboards, texts
from bot.tg.context import BotContext, identity

log = logging.getLogger(__name__)


async def start(update: Update, context: BotContext) -> None:
    """Greet, explain what is stored, and ask the grade band once."""
    payload = context.args[0] if context.args else None
    profile = await context.run(context.accounts.start, identity(update), payload=payload)
    markup = keyboards.grades() if profile.grade is None else None
    await update.effective_message.reply_text(texts.welcome(profile), reply_markup=markup)
    if payload and payload.startswith(classes.JOIN_PREFIX):  # a teacher's class link
        await classes.join_with_code(update, context, payload.removeprefix(classes.JOIN_PREFIX))


async def quiz(update: Update, context: BotContext) -> None:
    """Offer the theme picker (or 继续本轮 / 新的一轮 during a round), or start at once with /quiz THEME."""
    if not context.args:
        view = await context.run(context.quiz.active_question, identity(update))
        if view is not None:
            text = texts.CONTINUE_OR_NEW.format(number=view.number, total=view.total)
            await update.effective_message.reply_text(text, reply_markup=keyboards.continue_or_new())
            return
        await update.effective_message.reply_text(texts.PICK_THEME, reply_markup=keyboards.themes())
        return
    understood, theme = texts.theme_from_words(" ".join(context.args))
    if not understood:
        await update.effective_message.reply_text(texts.QUIZ_USAGE)
        return
    try:
        view = await context.run(context.quiz.start_round, identity(update), theme=theme)
    except NoQuestions:
        await update.effective_message.reply_text(texts.NO_QUESTIONS)
        return
    await update.effective_message.reply_text(
        texts.ROUND_STARTED.format(theme=texts.theme_label(theme), total=view.total)
    )
    await update.effective_message.reply_text(texts.question(view), reply_markup=keyboards.answers(view))


async def review(update: Update, context: BotContext) -> None:
    """Start a review round of due missed questions."""
    try:
        view = await context.run(context.quiz.start_review, identity(update))
    except NothingToReview:
        await update.effective_message.reply_text(texts.NOTHING_TO_REVIEW)
        return
    await update.effective_message.reply_text(texts.REVIEW_STARTED.format(total=view.total))
    await update.effective_message.reply_text(texts.question(view), reply_markup=keyboards.answers(view))


async def me(update: Update, context: BotContext) -> None:
    """Points, rounds, accuracy per theme, streak and reviews due."""
    await update.effective_message.reply_text(texts.stats(await context.run(context.quiz.stats, identity(update))))


async def nickname(update: Update, context: BotContext) -> None:
    """Set the public nickname; refuse with the reason when it breaks a rule."""
    if not context.args:
        await update.effective_message.reply_text(texts.NICKNAME_USAGE)
        return
    try:
        profile = await context.run(context.accounts.set_nickname, identity(update), " ".join(context.args))
    except NicknameRejected as exc:
        await update.effective_message.reply_text(f"{texts.NICKNAME_REASONS[exc.problem]}\n{texts.NICKNAME_USAGE}")
        return
    await update.effective_message.reply_text(texts.NICKNAME_SET.format(nickname=profile.nickname))


async def forget(update: Update, context: BotContext) -> None:
    """Ask for confirmation before deleting everything about the user."""
    await update.effective_message.reply_text(texts.FORGET_ASK, reply_markup=keyboards.forget())


async def help_text(update: Update, context: BotContext) -> None:
    """The commands and how points work (and the teachers' commands, for teachers)."""
    teacher = await context.run(context.classes.is_teacher, identity(update))
    await update.effective_message.reply_text(texts.HELP + (texts.TEACHER_HELP if teacher else ""))


async def free_text(update: Update, context: BotContext) -> None:
    """The roster name a class asked for; else text that is no answer: show the current question again."""
    if await context.run(context.classes.awaiting_roster_name, identity(update)):
        try:
            name = await context.run(context.classes.give_roster_name, identity(update), update.effective_message.text)
        except NameRejected:
            await update.effective_message.reply_text(texts.ROSTER_REJECTED)
            return
        await update.effective_message.reply_text(texts.ROSTER_SAVED.format(name=name))
        return
    view = await context.run(context.quiz.active_question, identity(update))
    if view is None:
        await update.effective_message.reply_text(texts.NOT_IN_ROUND)
    else:
        await update.effective_message.reply_text(
            texts.USE_BUTTONS + "\n\n" + texts.question(view), reply_markup=keyboards.answers(view)
        )


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    await update.effective_message.reply_text(texts.UNKNOWN_COMMAND)


async def membership(update: Update, context: BotContext) -> None:
    """The user blocked or unblocked the bot in the private chat (group membership is not about a user)."""
    change: ChatMemberUpdated = update.my_chat_member
    if change.chat.type != ChatType.PRIVATE:
        return
    blocked = change.new_chat_member.status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
    await context.run(context.accounts.set_blocked, identity(update), blocked=blocked)
    log.info("user %s %s the bot", change.from_user.id, "blocked" if blocked else "unblocked")
