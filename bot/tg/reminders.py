"""Reminders in Telegram: /remind, /assign, the buttons under reminders, and the sender job.

The sender runs every minute in PTB's JobQueue (APScheduler) under a fixed name. It takes the
database lease first, so with several bot processes only one sends; it claims what is due (the
delivery rows make every reminder at most once per user, see ``bot/services/reminders.py``), sends
through the application's rate limiter (30 messages/s, a 429 waited out and retried) and records
how each message went: a 403 marks the user blocked and is never retried.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.services.errors import BadDeadline, NoQuestions, RoundNotFound
from bot.services.reminders import Outgoing, ReminderService
from bot.tg import callbacks as cb
from bot.tg import classes, keyboards, texts
from bot.tg.context import BotContext, identity

log = logging.getLogger(__name__)

JOB_NAME = "reminders"
EVERY_SECONDS = 60
HOLDER = f"bot-{uuid.uuid4().hex[:12]}"  # this process, for the sender lease
IN_FLIGHT = 200  # messages handed to the rate limiter at once


async def remind(update: Update, context: BotContext) -> None:
    """/remind on|off: subscribe to the calendar's reminders, or not."""
    choice = context.args[0].lower() if context.args else ""
    if choice not in ("on", "off", "开", "关"):
        await update.effective_message.reply_text(texts.REMIND_USAGE)
        return
    on = choice in ("on", "开")
    await context.run(context.reminders.set_subscribed, identity(update), on)
    await update.effective_message.reply_text(texts.REMIND_ON if on else texts.REMIND_OFF)


async def assign(update: Update, context: BotContext) -> None:
    """/assign [class] N [THEME] YYYY-MM-DD: a quiz for the class, announced by the sender."""
    parsed = texts.parse_assign(context.args or [])
    if parsed is None:
        await update.effective_message.reply_text(texts.ASSIGN_USAGE)
        return
    ref, size, theme, deadline = parsed
    async with classes.teacher_errors(update, "assign"):
        try:
            info = await context.run(
                context.reminders.assign, identity(update), ref, size=size, theme=theme, deadline=deadline
            )
        except BadDeadline:
            await update.effective_message.reply_text(texts.ASSIGN_PAST)
            return
        await update.effective_message.reply_text(
            texts.ASSIGN_DONE.format(
                name=info.class_name, theme=texts.theme_label(info.theme), size=info.size, deadline=info.deadline
            )
        )


async def daily_question(update: Update, context: BotContext) -> None:
    """今日一题 under a reminder: a round of one question."""
    query = update.callback_query
    try:
        view = await context.run(context.quiz.start_round, identity(update), size=1)
    except NoQuestions:
        await query.answer(texts.NO_QUESTIONS, show_alert=True)
        return
    await query.answer()
    await query.message.chat.send_message(texts.question(view), reply_markup=keyboards.answers(view))


async def start_assignment(update: Update, context: BotContext) -> None:
    """开始任务 under an assignment: the class quiz the teacher set."""
    query = update.callback_query
    data = cb.parse(query.data)
    try:
        view = await context.run(context.quiz.start_assignment, identity(update), data.assignment_id)
    except (RoundNotFound, NoQuestions):
        await query.answer(texts.ALERT_STALE, show_alert=True)
        return
    await query.answer()
    await query.message.chat.send_message(texts.question(view), reply_markup=keyboards.answers(view))


async def sender_job(context: BotContext) -> None:
    """Every minute: send what is due, if this process holds the sender lease."""
    await deliver_due(context.bot, context.reminders, run=context.run)


async def deliver_due(bot: Bot, reminders: ReminderService, *, run) -> dict[str, int]:
    """Claim and send everything due now; returns counts by outcome (sent, blocked, retry, failed)."""
    if not await run(reminders.take_lease, HOLDER):
        return {}
    recovered = await run(reminders.recover)
    if recovered:
        log.warning("%d reminder(s) were being sent when a process stopped; marked unknown, not repeated", recovered)
    counts: dict[str, int] = {}
    retries = True  # earlier failures are tried once per run, at its start: "later", not in a tight loop
    while await run(reminders.take_lease, HOLDER) and (
        batch := await run(reminders.claim_due, IN_FLIGHT, retries=retries)
    ):  # the lease is renewed before every batch: a long broadcast keeps it, a lost lease stops it
        retries = False
        outcomes = await asyncio.gather(*(_send(bot, item) for item in batch))
        await run(reminders.record, list(zip(batch, outcomes, strict=True)))
        for status in outcomes:
            counts[status] = counts.get(status, 0) + 1
    if counts:
        log.info("reminders: %s", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return counts


async def _send(bot: Bot, item: Outgoing) -> str:
    """One message; its outcome as stored: sent | blocked | retry | unknown | failed."""
    try:
        if item.kind == "calendar":
            text, markup = item.text, keyboards.reminder(item.button)
        else:
            text = texts.assignment_text(item.kind, item.theme, item.size, item.deadline or date.min)
            markup = keyboards.assignment(item.assignment_id)
        await bot.send_message(int(item.chat_id), text, reply_markup=markup)
    except Forbidden:
        return "blocked"
    except RetryAfter:  # the rate limiter already waited and retried; leave it for the next run
        return "retry"
    except BadRequest as exc:  # e.g. chat not found: retrying will not help
        log.warning("reminder %s not sent: %s", item.key, exc.message)
        return "failed"
    except TimedOut:  # Telegram may have delivered it: at most once means not again
        return "unknown"
    except (NetworkError, TelegramError):  # 5xx, connection refused: nothing was delivered
        return "retry"
    except Exception:  # a bug must not strand the batch: record it and go on
        log.exception("reminder %s not sent", item.key)
        return "failed"
    return "sent"
