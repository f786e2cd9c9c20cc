"""Handlers of teachers and classes: invites, classes, joining, leaderboards, reports and exports."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import InputFile, LinkPreviewOptions, Update

from bot.engine.periods import Period
from bot.services.errors import (
    ChooseClass,
    ClassClosed,
    ClassNameTaken,
    ClassNotFound,
    InvalidCode,
    NameRejected,
    NotAllowed,
    TooManyAttempts,
)
from bot.tg import callbacks as cb
from bot.tg import keyboards, texts
from bot.tg.context import BotContext, identity

JOIN_PREFIX = "join_"  # deep links: https://t.me/<bot>?start=join_<CODE>


async def invite(update: Update, context: BotContext) -> None:
    """/invite [N]: an admin gets one-time teacher invite codes."""
    count = int(context.args[0]) if context.args and context.args[0].isdigit() else 1
    try:
        codes = await context.run(context.classes.create_invites, identity(update), min(max(count, 1), 20))
    except NotAllowed:
        await update.effective_message.reply_text(texts.ADMIN_ONLY)
        return
    await update.effective_message.reply_text(texts.INVITES.format(codes="\n".join(codes)))


async def teacher(update: Update, context: BotContext) -> None:
    """/teacher CODE: redeem a teacher invite."""
    if not context.args:
        await update.effective_message.reply_text(texts.TEACHER_USAGE)
        return
    try:
        await context.run(context.classes.become_teacher, identity(update), context.args[0])
    except InvalidCode:
        await update.effective_message.reply_text(texts.CODE_INVALID)
        return
    except TooManyAttempts:
        await update.effective_message.reply_text(texts.TOO_MANY_CODES)
        return
    await update.effective_message.reply_text(texts.TEACHER_DONE)


async def new_class(update: Update, context: BotContext) -> None:
    """/newclass NAME: create a class and show its join code and deep link."""
    if not context.args:
        await update.effective_message.reply_text(texts.NEWCLASS_USAGE)
        return
    try:
        info = await context.run(context.classes.new_class, identity(update), " ".join(context.args))
    except NotAllowed:
        await update.effective_message.reply_text(texts.TEACHER_ONLY)
        return
    except NameRejected:
        await update.effective_message.reply_text(texts.CLASS_NAME_REJECTED)
        return
    except ClassNameTaken as taken:
        await update.effective_message.reply_text(texts.CLASS_NAME_TAKEN.format(name=str(taken)))
        return
    link = f"https://t.me/{context.bot.username}?start={JOIN_PREFIX}{info.code}"
    await update.effective_message.reply_text(texts.CLASS_CREATED.format(name=info.name, code=info.code, link=link))


async def my_classes(update: Update, context: BotContext) -> None:
    """/myclasses: the teacher's classes with member counts and codes."""
    try:
        classes = await context.run(context.classes.my_classes, identity(update))
    except NotAllowed:
        await update.effective_message.reply_text(texts.TEACHER_ONLY)
        return
    if not classes:
        await update.effective_message.reply_text(texts.NO_CLASSES)
        return
    lines = [texts.MY_CLASSES] + [
        texts.MY_CLASS_LINE.format(
            name=c.name, members=c.members, code=c.code, closed="" if c.open else texts.CLOSED_MARK
        )
        for c in classes
    ]
    await update.effective_message.reply_text(texts.fit("\n".join(lines)))


async def close_class(update: Update, context: BotContext) -> None:
    """/closeclass [class]: stop new joins."""
    ref = " ".join(context.args) or None
    async with teacher_errors(update, "closeclass"):
        info = await context.run(context.classes.set_open, identity(update), ref, open_=False)
        await update.effective_message.reply_text(texts.CLASS_CLOSED_DONE.format(name=info.name))


async def join(update: Update, context: BotContext) -> None:
    """/join CODE: join a class (the deep link arrives here through /start)."""
    if not context.args:
        await update.effective_message.reply_text(texts.JOIN_USAGE)
        return
    await join_with_code(update, context, context.args[0])


async def join_with_code(update: Update, context: BotContext, code: str) -> None:
    """Join with ``code``; ask the roster name, or to confirm leaving the current class."""
    message = update.effective_message
    try:
        outcome = await context.run(context.classes.join, identity(update), code)
    except InvalidCode:
        await message.reply_text(texts.CODE_INVALID)
        return
    except TooManyAttempts:
        await message.reply_text(texts.TOO_MANY_CODES)
        return
    except ClassClosed as exc:
        await message.reply_text(texts.JOIN_CLOSED.format(name=str(exc)))
        return
    if outcome.status == "confirm":
        text = texts.JOIN_CONFIRM.format(current=outcome.current_class, name=outcome.class_name)
        await message.reply_text(text, reply_markup=keyboards.switch_class(outcome.code))
    elif outcome.status == "already":
        await message.reply_text(texts.JOIN_ALREADY.format(name=outcome.class_name))
    else:
        await message.reply_text(texts.JOIN_ASK_NAME.format(name=outcome.class_name))


async def switch_class(update: Update, context: BotContext) -> None:
    """换到新班级 / 留在原班级."""
    query = update.callback_query
    data = cb.parse(query.data)
    if data.code is None:
        await query.answer()
        await query.edit_message_text(texts.JOIN_KEPT)
        return
    try:
        outcome = await context.run(context.classes.join, identity(update), data.code, switch=True)
    except (InvalidCode, ClassClosed, TooManyAttempts):
        await query.answer(texts.CODE_INVALID, show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(texts.JOIN_ASK_NAME.format(name=outcome.class_name))


async def roster_name(update: Update, context: BotContext) -> None:
    """/name 姓名: give or correct the roster name the class's teachers see."""
    if not context.args:
        await update.effective_message.reply_text(texts.NAME_USAGE)
        return
    try:
        name = await context.run(context.classes.give_roster_name, identity(update), " ".join(context.args))
    except NameRejected:
        await update.effective_message.reply_text(texts.ROSTER_REJECTED)
        return
    except ClassNotFound:
        await update.effective_message.reply_text(texts.NOT_IN_CLASS)
        return
    await update.effective_message.reply_text(texts.ROSTER_SAVED.format(name=name))


async def leave(update: Update, context: BotContext) -> None:
    """/leave: leave the class (points and answers stay)."""
    name = await context.run(context.classes.leave, identity(update))
    await update.effective_message.reply_text(texts.LEFT_CLASS.format(name=name) if name else texts.NOT_IN_CLASS)


async def rank(update: Update, context: BotContext) -> None:
    """/rank: the class's (or everyone's) top 10 of this week, with 本周 / 本月 / 全部 buttons."""
    board = await context.run(context.reports.rank, identity(update), Period.WEEK)
    await update.effective_message.reply_text(texts.rank_board(board), reply_markup=keyboards.rank_periods(Period.WEEK))


async def rank_period(update: Update, context: BotContext) -> None:
    """A period button under /rank: redraw the board."""
    query = update.callback_query
    period = cb.parse(query.data).period
    board = await context.run(context.reports.rank, identity(update), period)
    await query.answer()
    await query.edit_message_text(texts.rank_board(board), reply_markup=keyboards.rank_periods(period))


async def leaderboard(update: Update, context: BotContext) -> None:
    """/leaderboard [class] [period]: the teacher's ranking with roster names."""
    ref, period = texts.split_period(context.args or [])
    async with teacher_errors(update, "leaderboard"):
        board = await context.run(context.reports.leaderboard, identity(update), ref, period or Period.WEEK)
        await update.effective_message.reply_text(texts.teacher_board(board))


async def report(update: Update, context: BotContext) -> None:
    """/report [class] [period]: the class report, then its chart as a photo."""
    ref, period = texts.split_period(context.args or [])
    async with teacher_errors(update, "report"):
        result = await context.run(context.reports.report, identity(update), ref, period or Period.WEEK)
        await update.effective_message.reply_text(texts.class_report(result))
        chart = await context.run(_chart, result)
        await update.effective_message.reply_photo(InputFile(io.BytesIO(chart), filename="report.png"))


async def export(update: Update, context: BotContext) -> None:
    """/export [class]: the class's results as a CSV document."""
    ref = " ".join(context.args or []) or None
    async with teacher_errors(update, "export"):
        name, data = await context.run(context.reports.export_csv, identity(update), ref)
        await update.effective_message.reply_document(
            InputFile(io.BytesIO(data), filename=f"{name}.csv"), caption=texts.EXPORT_CAPTION.format(name=name)
        )


def _chart(result) -> bytes:
    from bot.charts import report_chart  # matplotlib loads on the first report, not at start

    return report_chart(result)


@asynccontextmanager
async def teacher_errors(update: Update, command: str) -> AsyncIterator[None]:
    """Turn the refusals every teacher command shares into their one-line replies."""
    message = update.effective_message
    try:
        yield
    except NotAllowed:
        await message.reply_text(texts.TEACHER_ONLY)
    except ClassNotFound:
        await message.reply_text(texts.CLASS_UNKNOWN)
    except ChooseClass as choose:
        names = "、".join(choose.names)
        await message.reply_text(texts.CHOOSE_CLASS.format(command=command, example=choose.names[0], names=names))


async def web_link(update: Update, context: BotContext) -> None:
    """/web: a teacher's one-time sign-in link to the web page (10 minutes)."""
    try:
        token = await context.run(context.bot_data.services.logins.create_link_token, identity(update))
    except NotAllowed:
        await update.effective_message.reply_text(texts.TEACHER_ONLY)
        return
    link = f"{context.bot_data.web_url}/login/{token}"
    # no link preview: Telegram's servers would open the page (a GET changes nothing, but keep it private)
    await update.effective_message.reply_text(
        texts.WEB_LINK.format(link=link), link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
