"""Building and running the Telegram application: wiring, commands, errors, polling."""

from __future__ import annotations

import logging
import sys

from telegram import BotCommand, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.services import Busy
from bot.tg import buttons, classes, commands, groups, reminders, texts
from bot.tg import callbacks as cb
from bot.tg.concurrency import MessageRateLimiter, PerUserUpdateProcessor
from bot.tg.context import BotApplication, BotContext, BotData, BotServices, database_workers, identity

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.POLL_ANSWER, Update.MY_CHAT_MEMBER]


def build_application(
    *,
    token: str,
    services: BotServices,
    base_url: str = "https://api.telegram.org/bot",
    request: BaseRequest | None = None,
    rate_limited: bool = True,
    send_reminders: bool = True,
    web_url: str = "http://127.0.0.1:8080",
) -> BotApplication:
    """The bot application with every handler wired; ``request`` replaces HTTP (tests)."""
    builder = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(_register_commands)
        .post_shutdown(_stop_workers)
    )
    if rate_limited:
        builder = builder.rate_limiter(MessageRateLimiter())
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data.services = services
    app.bot_data.workers = database_workers()
    app.bot_data.web_url = web_url.rstrip("/")
    register_handlers(app, send_reminders=send_reminders)
    return app


def register_handlers(app: BotApplication, *, send_reminders: bool = True) -> None:
    """All handlers, and the reminder sender job, in one place."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", commands.start, private))
    app.add_handler(CommandHandler("quiz", commands.quiz, private))
    app.add_handler(CommandHandler("review", commands.review, private))
    app.add_handler(CommandHandler("me", commands.me, private))
    app.add_handler(CommandHandler("nickname", commands.nickname, private))
    app.add_handler(CommandHandler("forget", commands.forget, private))
    app.add_handler(CommandHandler("help", commands.help_text, private))
    app.add_handler(CommandHandler("rank", classes.rank, private))
    app.add_handler(CommandHandler("join", classes.join, private))
    app.add_handler(CommandHandler("leave", classes.leave, private))
    app.add_handler(CommandHandler("name", classes.roster_name, private))
    app.add_handler(CommandHandler("invite", classes.invite, private))
    app.add_handler(CommandHandler("teacher", classes.teacher, private))
    app.add_handler(CommandHandler("newclass", classes.new_class, private))
    app.add_handler(CommandHandler("myclasses", classes.my_classes, private))
    app.add_handler(CommandHandler("closeclass", classes.close_class, private))
    app.add_handler(CommandHandler("leaderboard", classes.leaderboard, private))
    app.add_handler(CommandHandler("report", classes.report, private))
    app.add_handler(CommandHandler("export", classes.export, private))
    app.add_handler(CommandHandler("web", classes.web_link, private))
    app.add_handler(CommandHandler("remind", reminders.remind, private))
    app.add_handler(CommandHandler("assign", reminders.assign, private))
    # Order matters: the known commands above take their updates first.
    app.add_handler(MessageHandler(filters.COMMAND & private, commands.unknown_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, commands.free_text))

    app.add_handler(CallbackQueryHandler(buttons.answer, pattern=cb.matches(cb.Answer)))
    app.add_handler(CallbackQueryHandler(buttons.toggle, pattern=cb.matches(cb.Toggle)))
    app.add_handler(CallbackQueryHandler(buttons.pick_theme, pattern=cb.matches(cb.PickTheme)))
    app.add_handler(CallbackQueryHandler(buttons.pick_grade, pattern=cb.matches(cb.PickGrade)))
    app.add_handler(CallbackQueryHandler(buttons.new_quiz, pattern=cb.matches(cb.NewQuiz)))
    app.add_handler(CallbackQueryHandler(buttons.continue_round, pattern=cb.matches(cb.ContinueRound)))
    app.add_handler(CallbackQueryHandler(buttons.start_review, pattern=cb.matches(cb.StartReview)))
    app.add_handler(CallbackQueryHandler(buttons.confirm_forget, pattern=cb.matches(cb.Forget)))
    app.add_handler(CallbackQueryHandler(classes.rank_period, pattern=cb.matches(cb.RankPeriod)))
    app.add_handler(CallbackQueryHandler(classes.switch_class, pattern=cb.matches(cb.SwitchClass)))
    app.add_handler(CallbackQueryHandler(reminders.daily_question, pattern=cb.matches(cb.DailyQuestion)))
    app.add_handler(CallbackQueryHandler(reminders.start_assignment, pattern=cb.matches(cb.StartAssignment)))
    # Last: whatever did not parse above (forged, truncated, old) gets an alert.
    app.add_handler(CallbackQueryHandler(buttons.unknown_button))

    # Groups: quizzes of quiz polls; private-chat commands get a hint there.
    in_group = filters.ChatType.GROUPS
    app.add_handler(CommandHandler("quiz", groups.quiz, in_group))
    app.add_handler(CommandHandler("stopquiz", groups.stop_quiz, in_group))
    app.add_handler(CommandHandler("rank", groups.rank, in_group))
    app.add_handler(CommandHandler("linkclass", groups.link_class, in_group))
    app.add_handler(CommandHandler(["start", "help"], groups.welcome, in_group))
    private_only = ["review", "me", "nickname", "forget", "join", "leave", "name", "remind", "teacher", "newclass"]
    private_only += ["myclasses", "closeclass", "leaderboard", "report", "export", "assign", "invite", "web"]
    app.add_handler(CommandHandler(private_only, groups.private_only, in_group))
    app.add_handler(PollAnswerHandler(groups.poll_answer))

    app.add_handler(ChatMemberHandler(commands.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(ChatMemberHandler(groups.membership, ChatMemberHandler.MY_CHAT_MEMBER), group=1)
    app.add_error_handler(on_error)
    if app.job_queue is not None and send_reminders:
        app.job_queue.run_repeating(
            reminders.sender_job, interval=reminders.EVERY_SECONDS, first=5, name=reminders.JOB_NAME
        )


async def _register_commands(app: BotApplication) -> None:
    await app.bot.set_my_commands([BotCommand(name, description) for name, description in texts.COMMANDS])
    await groups.resume(app)  # group quizzes that were running when the bot stopped


async def _stop_workers(app: BotApplication) -> None:
    app.bot_data.workers.shutdown(wait=True)


async def on_error(update: object, context: BotContext) -> None:
    """Log the error once; mark users who blocked the bot; tell the user in one short line."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %r", error, exc_info=error)
        return
    private = update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE
    if isinstance(error, Forbidden):
        if private and update.effective_user is not None:  # in a group a 403 is about the group, not the user
            await context.run(context.accounts.set_blocked, identity(update), blocked=True)
        log.info("update %s: the bot may not write to this chat (%s)", update.update_id, error)
        return
    if isinstance(error, Busy):
        log.warning("update %s: the database stayed locked; the user is asked to retry", update.update_id)
        message = texts.BUSY
    else:
        log.error("error while handling update %s: %r", update.update_id, error, exc_info=error)
        message = texts.ERROR
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(message, show_alert=True)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(message)
    except TelegramError:  # e.g. the query was answered before the error; nothing more to say
        pass


class RedactingFormatter(logging.Formatter):
    """Formats log records with the bot token replaced everywhere, tracebacks included.

    Redaction happens on the final text, so a token inside an exception message, a URL in a
    traceback or a ``%r`` of a request never leaves the process. A refused token or an unreachable
    API is reported in one line: its traceback tells nothing more.
    """

    def __init__(self, token: str, fmt: str) -> None:
        super().__init__(fmt)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken | NetworkError):
            record = logging.makeLogRecord(record.__dict__)
            record.msg, record.args = f"{record.getMessage()}: {record.exc_info[1]}", ()
            record.exc_info = record.exc_text = None
        text = super().format(record)
        return text.replace(self.token, "<token>") if self.token else text

    def formatException(self, ei) -> str:
        text = super().formatException(ei)
        return text.replace(self.token, "<token>") if self.token else text


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(token: str) -> None:
    """Log to stderr, without request URLs (they carry the token) and with the token redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(token, LOG_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run_polling(app: BotApplication) -> int:
    """Poll until SIGINT/SIGTERM; returns the exit code."""
    try:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        print("Telegram 拒绝了这个令牌（401 Unauthorized）：请检查 JINDU_BOT_TOKEN。", file=sys.stderr)
        return 1
    except NetworkError as exc:
        print(f"无法连接 Telegram Bot API（{exc.message}）：请检查网络或 JINDU_API_URL。", file=sys.stderr)
        return 1
    return 0
