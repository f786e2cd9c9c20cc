"""Drive the real Application in-process: feed updates, read the recorded Bot API calls."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from telegram import Update

from bot.services import Identity
from bot.tg.app import build_application
from bot.tg.context import BotServices
from tests.tg.recorder import RecordingRequest

TOKEN = "123456:TEST-TOKEN-abcdef"


class Harness:
    """One bot, one recording request, and helpers to act as a user."""

    def __init__(
        self, services: BotServices, request: RecordingRequest | None = None, *, rate_limited: bool = False
    ) -> None:
        self.services = services
        self.request = request or RecordingRequest()
        self.app = build_application(token=TOKEN, services=services, request=self.request, rate_limited=rate_limited)
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Harness:
        await self.app.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()

    @staticmethod
    def user(uid: int) -> dict[str, Any]:
        return {"id": uid, "is_bot": False, "first_name": "小明", "last_name": "王", "username": f"student{uid}"}

    def who(self, uid: int) -> Identity:
        return Identity("telegram", str(uid))

    async def feed(self, payload: dict[str, Any]) -> None:
        """Process one raw update dict the way polling does: through the application's update processor."""
        update = Update.de_json(payload, self.app.bot)
        await self.app.update_processor.process_update(update, self.app.process_update(update))

    async def feed_all(self, payloads: list[dict[str, Any]]) -> None:
        """Process updates concurrently, started in this order (as a burst from getUpdates)."""
        await asyncio.gather(*(self.feed(p) for p in payloads))

    def message_update(self, uid: int, text: str) -> dict[str, Any]:
        n = next(self._ids)
        message = {
            "message_id": n,
            "date": 1_780_000_000,
            "chat": {"id": uid, "type": "private"},
            "from": self.user(uid),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": n, "message": message}

    def callback_update(self, uid: int, data: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        n = next(self._ids)
        message = message or {
            "message_id": 1,
            "date": 1_780_000_000,
            "chat": {"id": uid, "type": "private"},
            "text": "x",
        }
        query = {"id": f"cq{n}", "from": self.user(uid), "chat_instance": f"ci{uid}", "data": data, "message": message}
        return {"update_id": n, "callback_query": query}

    async def send(self, uid: int, text: str) -> None:
        await self.feed(self.message_update(uid, text))

    async def press(self, uid: int, data: str, message_id: int | None = None) -> None:
        """Press a button with ``data`` on a bot message (default: the latest one that has it)."""
        message = self.request.messages[message_id] if message_id else self.message_with(data)
        await self.feed(self.callback_update(uid, data, message))

    def message_with(self, data: str) -> dict[str, Any]:
        """The latest bot message carrying a button with this callback data."""
        for message in reversed(list(self.request.messages.values())):
            if data in self.buttons(message):
                return message
        raise AssertionError(f"no message has a button {data!r}")

    @staticmethod
    def buttons(message: dict[str, Any]) -> dict[str, str]:
        """callback_data -> label of a message's inline keyboard."""
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        return {b["callback_data"]: b["text"] for row in rows for b in row}

    def last_message(self) -> dict[str, Any]:
        return list(self.request.messages.values())[-1]

    def answer_alerts(self) -> list[tuple[str | None, bool]]:
        """(text, show_alert) of every answerCallbackQuery."""
        return [
            (c.params.get("text"), bool(c.params.get("show_alert"))) for c in self.request.of("answerCallbackQuery")
        ]

    def right_answer(self, uid: int) -> tuple[int, int, str]:
        """(round id, position, shown letters) of the user's current question, answered right."""
        view = self.services.quiz.active_question(self.who(uid))
        assert view is not None, "no active round"
        return view.round_id, view.position, view.answer_shown

    def wrong_answer(self, uid: int) -> tuple[int, int, str]:
        view = self.services.quiz.active_question(self.who(uid))
        wrong = next(letter for letter, _ in view.options if letter not in view.answer_shown)
        return view.round_id, view.position, wrong

    async def answer_current(self, uid: int, *, right: bool = True) -> None:
        """Answer the user's current question through its buttons (ticking boxes for multiple choice)."""
        rid, pos, letters = self.right_answer(uid) if right else self.wrong_answer(uid)
        view = self.services.quiz.active_question(self.who(uid))
        if view.question.kind.value == "multiple":
            selected = ""
            for letter in letters:
                selected = "".join(sorted(selected + letter))
                await self.press(uid, f"m:{rid}:{pos}:{selected}")
        await self.press(uid, f"a:{rid}:{pos}:{letters}")
