"""A whole class at once: updates of different users in parallel, each user's in order, sends paced.

Database work runs in a bounded pool of threads (``BotServices.run``), not on the event loop. We
chose threads over async SQLAlchemy because the services are shared, synchronous code: the terminal
quiz and the web page call them too, SQLite's driver is synchronous anyway (async drivers for it
wrap a thread), and one pool bounds how many units of work reach the database at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

MAX_CONCURRENT_UPDATES = 256
# Telegram counts messages sent: about 30 a second overall. One message every 1/29 s keeps any
# one-second window at 30 or fewer (a burst of 30 followed by 30 a second would not).
OVERALL_RATE, OVERALL_PERIOD = 1, 1 / 29
MAX_RETRIES = 5  # a 429 is waited out (its retry_after) and the call made again, this many times
# Calls that change a message already sent are not new messages: they are not held in the queue of
# sends, so a student's feedback (the edited question) is not queued behind other students' next
# questions. A 429 on them is still waited out and retried.
UNPACED = ("editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage", "stopPoll")


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """PTB's update processor that runs updates of different users at once and one user's in order.

    A double tap, or a tick followed by 提交, is handled one after the other in the order Telegram
    sent them; the exactly-once rules of the database hold either way.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the same user's earlier updates (FIFO), then process this one."""
        key = _sender(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:  # forget idle users, so the maps stay as small as the crowd
                del self._holders[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _sender(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None


class MessageRateLimiter(AIORateLimiter):
    """PTB's ``AIORateLimiter`` pacing new messages (≤ 30/s overall, ≤ 20/min per group).

    It differs only in which calls wait in the overall queue: edits pass (see ``UNPACED``), and
    ``answerCallbackQuery`` carries no chat, so PTB never queues it.
    """

    def __init__(self) -> None:
        super().__init__(overall_max_rate=OVERALL_RATE, overall_time_period=OVERALL_PERIOD, max_retries=MAX_RETRIES)

    async def process_request(
        self,
        callback: Callable[..., Any],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Pace sends; let edits through at once; retry every call after a 429's ``retry_after``."""
        if endpoint in UNPACED:
            data = {key: value for key, value in data.items() if key != "chat_id"}  # only the pacing reads it
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
