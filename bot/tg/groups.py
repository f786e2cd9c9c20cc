"""Handlers of class groups: quizzes of native quiz polls, votes, results, the group board.

The next poll is posted by a JobQueue job named after the quiz when the previous poll's open
period ends; after a restart, `resume` schedules every running quiz again from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType, PollType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.engine.model import Kind
from bot.engine.periods import Period
from bot.services.errors import ClassNotFound, NoQuestions, NotAllowed, QuizRunning
from bot.services.groups import OPEN_SECONDS, GroupResults, PollToPost
from bot.tg import texts
from bot.tg.context import BotApplication, BotContext, identity

log = logging.getLogger(__name__)

ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)

RETRY_SECONDS = 5  # after an error on the way to the next poll
UNKNOWN_POLL_WAIT = 1.5  # a vote on a poll not yet recorded is looked at once more after this


def job_name(quiz_id: int) -> str:
    """The fixed name of a quiz's next-poll job."""
    return f"group-quiz-{quiz_id}"


async def membership(update: Update, context: BotContext) -> None:
    """The bot was added to a group (a welcome) or removed (its running quiz stops)."""
    change = update.my_chat_member
    if change.chat.type == ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        stopped = await context.run(context.groups.left, change.chat.id)
        if stopped is not None:
            _cancel(context, stopped)
        return
    if change.old_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        await context.run(context.groups.joined, change.chat.id)
        await context.bot.send_message(change.chat.id, texts.GROUP_WELCOME)


async def quiz(update: Update, context: BotContext) -> None:
    """/quiz [N] [THEME] in a group: start a quiz of quiz polls (a group admin or the class's teacher)."""
    parsed = texts.parse_group_quiz(context.args or [])
    if parsed is None:
        await update.effective_message.reply_text(texts.GROUP_QUIZ_USAGE)
        return
    size, theme = parsed
    chat_id = update.effective_chat.id
    try:
        quiz_id, size = await context.run(
            context.groups.start,
            identity(update),
            chat_id,
            is_admin=await _is_admin(update, context),
            size=size,
            theme=theme,
        )
    except NotAllowed:
        await update.effective_message.reply_text(texts.GROUP_NOT_ALLOWED)
        return
    except QuizRunning:
        await update.effective_message.reply_text(texts.GROUP_RUNNING)
        return
    except NoQuestions:
        await update.effective_message.reply_text(texts.NO_QUESTIONS)
        return
    started = texts.GROUP_STARTED.format(theme=texts.theme_label(theme), size=size, seconds=OPEN_SECONDS)
    await update.effective_message.reply_text(started)
    await post_next(context.application, quiz_id)


async def stop_quiz(update: Update, context: BotContext) -> None:
    """/stopquiz: end the running quiz and post its results so far."""
    try:
        results = await context.run(
            context.groups.stop, identity(update), update.effective_chat.id, is_admin=await _is_admin(update, context)
        )
    except NotAllowed:
        await update.effective_message.reply_text(texts.GROUP_NOT_ALLOWED)
        return
    if results is None:
        await update.effective_message.reply_text(texts.GROUP_NO_QUIZ)
        return
    _cancel(context, results.quiz_id)
    if results.open_poll is not None:  # close the poll still open, so no vote looks counted that is not
        with contextlib.suppress(TelegramError):  # already closed
            await context.bot.stop_poll(update.effective_chat.id, results.open_poll)
    await update.effective_message.reply_text(texts.group_results(results))


async def poll_answer(update: Update, context: BotContext) -> None:
    """A vote on a quiz poll: counted once per user and poll (votes on polls not ours are ignored)."""
    answer = update.poll_answer
    if answer.user is None:  # an anonymous vote (a channel voting): nobody to count it for
        return
    counted = await context.run(context.quiz.answer_poll, identity(update), answer.poll_id, list(answer.option_ids))
    if counted is None:  # a poll posted a moment ago may not be recorded yet: look once more
        await asyncio.sleep(UNKNOWN_POLL_WAIT)
        await context.run(context.quiz.answer_poll, identity(update), answer.poll_id, list(answer.option_ids))


async def rank(update: Update, context: BotContext) -> None:
    """/rank in a group: this week's board of the group, or of its linked class."""
    board = await context.run(context.groups.rank, update.effective_chat.id, Period.WEEK)
    await update.effective_message.reply_text(texts.rank_board(board))


async def link_class(update: Update, context: BotContext) -> None:
    """/linkclass CODE in a group: the class's teacher links it."""
    if not context.args:
        await update.effective_message.reply_text(texts.LINKCLASS_USAGE)
        return
    try:
        name = await context.run(context.groups.link_class, identity(update), update.effective_chat.id, context.args[0])
    except NotAllowed:
        await update.effective_message.reply_text(texts.TEACHER_ONLY)
        return
    except ClassNotFound:
        await update.effective_message.reply_text(texts.CLASS_UNKNOWN)
        return
    await update.effective_message.reply_text(texts.GROUP_LINKED.format(name=name))


async def private_only(update: Update, context: BotContext) -> None:
    """A private-chat command used in a group: a one-line hint."""
    await update.effective_message.reply_text(texts.GROUP_PRIVATE_ONLY)


async def welcome(update: Update, context: BotContext) -> None:
    """/start or /help in a group: how group quizzes work and what is stored."""
    await update.effective_message.reply_text(texts.GROUP_WELCOME)


async def next_poll_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The previous poll closed: post the next one, or the results."""
    await post_next(context.application, context.job.data)


async def post_next(app: BotApplication, quiz_id: int) -> None:
    """Post the quiz's next poll (claimed in the database first, so never twice) and schedule the one after.

    Whatever fails on the way, the next step is scheduled, so a quiz never stays "running" with no job.
    """
    services = app.bot_data.services
    delay = RETRY_SECONDS
    try:
        step = await _run(app, services.groups.next_poll, quiz_id)
        if isinstance(step, GroupResults):
            delay = None
            await app.bot.send_message(step.chat_id, texts.group_results(step))
            return
        if not isinstance(step, PollToPost):
            delay = None  # not time yet (a job is waiting) or the quiz ended
            return
        delay = step.open_seconds + 1
        message = await _send_poll(app, step)
        if message is None and step.view.position == 0:  # the bot may not send polls here
            delay = None
            await _run(app, services.groups.abort, quiz_id)
            await app.bot.send_message(step.chat_id, texts.GROUP_CANNOT_POLL)
            return
        if message is not None and message.poll is not None:
            await _run(
                app,
                services.groups.poll_posted,
                quiz_id,
                step.view.position,
                message.poll.id,
                message.message_id,
                step.open_seconds,
            )
    finally:
        if delay is not None:
            app.job_queue.run_once(next_poll_job, when=delay, data=quiz_id, name=job_name(quiz_id))


async def resume(app: BotApplication) -> None:
    """After a start: schedule every running group quiz's next poll from the database."""
    for quiz_id, _chat_id, seconds in await _run(app, app.bot_data.services.groups.running):
        app.job_queue.run_once(next_poll_job, when=seconds + 1, data=quiz_id, name=job_name(quiz_id))


async def _send_poll(app: BotApplication, step: PollToPost):
    view = step.view
    question = view.question
    correct = [ord(letter) - ord("A") for letter in view.answer_shown]
    kwargs = (
        {"allows_multiple_answers": True, "correct_option_ids": correct}
        if question.kind is Kind.MULTIPLE
        else {"correct_option_id": correct[0]}
    )
    try:
        return await app.bot.send_poll(
            step.chat_id,
            texts.GROUP_POLL.format(number=view.number, total=view.total, text=question.text),
            [text for _, text in view.options],
            is_anonymous=False,
            type=PollType.QUIZ,
            explanation=question.explanation,
            open_period=step.open_seconds,
            **kwargs,
        )
    except Exception:  # a lost poll skips one question; the quiz goes on
        log.exception("group quiz %s: poll %s not posted", step.quiz_id, view.number)
        return None


async def _is_admin(update: Update, context: BotContext) -> bool:
    """A group admin: by Telegram's word, or an anonymous admin writing as the group itself."""
    sender_chat = update.effective_message.sender_chat
    if sender_chat is not None and sender_chat.id == update.effective_chat.id:
        return True
    member = await context.bot.get_chat_member(update.effective_chat.id, update.effective_user.id)
    return member.status in ADMINS


def _cancel(context: BotContext, quiz_id: int) -> None:
    for job in context.job_queue.get_jobs_by_name(job_name(quiz_id)):
        job.schedule_removal()


async def _run(app: BotApplication, method, *args):
    """A service call in the database threads, outside a handler (a job)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(app.bot_data.workers, functools.partial(method, *args))
