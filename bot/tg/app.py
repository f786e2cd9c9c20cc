"""Building and running the Telegram application: wiring, commands, errors, polling."""

from __future__ import annotations

import logging
import sys

from telegram import BotCommand, Update
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.tg import buttons, commands, texts
from bot.tg import callbacks as cb
from bot.tg.context import BotApplication, BotContext, BotData, BotServices, identity

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.POLL_ANSWER, Update.MY_CHAT_MEMBER]


def build_application(
    *,
    token: str,
    services: BotServices,
    base_url: str = "https://api.telegram.org/bot",
    request: BaseRequest | None = None,
    rate_limited: bool = True,
) -> BotApplication:
    """The bot application with every handler wired; ``request`` replaces HTTP (tests)."""
    builder = (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .post_init(_register_commands)
    )
    if rate_limited:
        builder = builder.rate_limiter(AIORateLimiter())
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data.services = services
    register_handlers(app)
    return app


def register_handlers(app: BotApplication) -> None:
    """All handlers in one place."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", commands.start, private))
    app.add_handler(CommandHandler("quiz", commands.quiz, private))
    app.add_handler(CommandHandler("review", commands.review, private))
    app.add_handler(CommandHandler("me", commands.me, private))
    app.add_handler(CommandHandler("nickname", commands.nickname, private))
    app.add_handler(CommandHandler("forget", commands.forget, private))
    app.add_handler(CommandHandler("help", commands.help_text, private))
    # Order matters: the known commands above take their updates first.
    app.add_handler(MessageHandler(filters.COMMAND & private, commands.unknown_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, commands.free_text))

    app.add_handler(CallbackQueryHandler(buttons.answer, pattern=cb.matches(cb.Answer)))
    app.add_handler(CallbackQueryHandler(buttons.toggle, pattern=cb.matches(cb.Toggle)))
    app.add_handler(CallbackQueryHandler(buttons.pick_theme, pattern=cb.matches(cb.PickTheme)))
    app.add_handler(CallbackQueryHandler(buttons.pick_grade, pattern=cb.matches(cb.PickGrade)))
    app.add_handler(CallbackQueryHandler(buttons.new_quiz, pattern=cb.matches(cb.NewQuiz)))
    app.add_handler(CallbackQueryHandler(buttons.start_review, pattern=cb.matches(cb.StartReview)))
    app.add_handler(CallbackQueryHandler(buttons.confirm_forget, pattern=cb.matches(cb.Forget)))
    # Last: whatever did not parse above (forged, truncated, old) gets an alert.
    app.add_handler(CallbackQueryHandler(buttons.unknown_button))

    app.add_handler(ChatMemberHandler(commands.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(on_error)


async def _register_commands(app: BotApplication) -> None:
    await app.bot.set_my_commands([BotCommand(name, description) for name, description in texts.COMMANDS])


async def on_error(update: object, context: BotContext) -> None:
    """Log the error once; mark users who blocked the bot; tell the user in one short line."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %r", error, exc_info=error)
        return
    if isinstance(error, Forbidden):
        if update.effective_user is not None:
            context.accounts.set_blocked(identity(update), blocked=True)
        log.info("user %s blocked the bot; marked", getattr(update.effective_user, "id", "?"))
        return
    log.error("error while handling update %s: %r", update.update_id, error, exc_info=error)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.ERROR, show_alert=True)
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(texts.ERROR)
    except TelegramError:  # e.g. the query was answered before the error; nothing more to say
        pass


class RedactToken(logging.Filter):
    """Replace the bot token wherever it would appear in a log line, and keep expected failures short.

    A refused token or an unreachable API is reported in one line; its traceback tells nothing more.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InvalidToken | NetworkError):
            record.msg = f"{record.getMessage()}: {record.exc_info[1]}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = ()
        return True


def configure_logging(token: str) -> None:
    """Log to stderr, without request URLs (they carry the token) and with the token redacted."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactToken(token))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
