"""A recording Bot API: a ``BaseRequest`` that answers like Telegram and remembers every call."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "禁毒答题", "username": "jindu_quiz_bot"}
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
FORBIDDEN = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = 0.0  # time.monotonic() when the call was answered
    status: int = 200


@dataclass
class RecordingRequest(BaseRequest):
    """Answers Bot API methods in-process and remembers every call.

    ``blocked_chats`` get 403 on sendMessage; ``latency`` delays every answer (Telegram's ~100 ms);
    ``script`` makes the next calls of a method fail: ``{"sendMessage": [500, "timeout", 429]}``.
    A failed call is recorded with its status and changes nothing.
    """

    calls: list[Call] = field(default_factory=list)
    latency: float = 0.0
    script: dict[str, list[int | str]] = field(default_factory=dict)
    retry_after: int = 1
    files: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)  # (method, multipart, params)
    admins: set[tuple[int, int]] = field(default_factory=set)  # (chat, user) pairs that are group admins
    next_poll_id: int = 500
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # message_id -> message as last sent/edited
    blocked_chats: set[int] = field(default_factory=set)
    next_message_id: int = 1000
    now: int = 1_780_000_000

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_: Any):
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        params = json.loads(json.dumps(params))  # plain JSON values, as Telegram would see them
        if self.latency:
            await asyncio.sleep(self.latency)
        planned = self.script.get(name)
        if planned:
            outcome = planned.pop(0)
            self.calls.append(Call(name, params, time.monotonic(), 0 if outcome == "timeout" else int(outcome)))
            if outcome == "timeout":
                raise TimedOut("stand-in timeout")
            if outcome == 429:
                body = {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry later",
                    "parameters": {"retry_after": self.retry_after},
                }
                return 429, json.dumps(body).encode()
            return int(outcome), json.dumps({"ok": False, "error_code": outcome, "description": "Bad Gateway"}).encode()
        if name == "sendMessage" and int(params["chat_id"]) in self.blocked_chats:
            self.calls.append(Call(name, params, time.monotonic(), 403))
            return 403, json.dumps(FORBIDDEN).encode()
        self.calls.append(Call(name, params, time.monotonic()))
        if name in ("sendPhoto", "sendDocument"):
            self.files.append((name, request_data.multipart_data if request_data else None, params))
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "getChatMember":
            chat, user = int(params["chat_id"]), int(params["user_id"])
            status = "administrator" if (chat, user) in self.admins else "member"
            member = {"status": status, "user": {"id": user, "is_bot": False, "first_name": "x"}}
            if status == "administrator":
                member |= {key: False for key in ADMIN_RIGHTS} | {"can_be_edited": False, "is_anonymous": False}
            return member
        if name == "stopPoll":
            known = self.messages.get(int(params["message_id"]), {})
            return dict(known.get("poll", {}), is_closed=True) or True
        if name == "sendPoll":
            self.next_message_id += 1
            self.next_poll_id += 1
            options = [
                {"text": text, "voter_count": 0, "persistent_id": str(i)} for i, text in enumerate(params["options"])
            ]
            poll = {
                "id": str(self.next_poll_id),
                "question": params["question"],
                "options": options,
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": bool(params.get("is_anonymous", True)),
                "type": params.get("type", "regular"),
                "allows_multiple_answers": bool(params.get("allows_multiple_answers", False)),
                "allows_revoting": False,
                "members_only": False,
                "persistent_id": f"p{self.next_poll_id}",
            }
            if "correct_option_id" in params:
                poll["correct_option_id"] = params["correct_option_id"]
            chat = {"id": int(params["chat_id"]), "type": "supergroup", "title": "初二(3)班"}
            message = {"message_id": self.next_message_id, "date": self.now, "chat": chat, "poll": poll}
            self.messages[self.next_message_id] = message
            return message
        if name in ("sendPhoto", "sendDocument"):
            self.next_message_id += 1
            return {
                "message_id": self.next_message_id,
                "date": self.now,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
        if name == "sendMessage":
            self.next_message_id += 1
            message = {
                "message_id": self.next_message_id,
                "date": self.now,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params["text"],
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            self.messages[self.next_message_id] = message
            return message
        if name in ("editMessageText", "editMessageReplyMarkup"):
            known = self.messages.get(int(params["message_id"]))
            message = dict(
                known
                or {
                    "message_id": int(params["message_id"]),
                    "date": self.now,
                    "chat": {"id": int(params["chat_id"]), "type": "private"},
                    "text": "",
                }
            )
            if "text" in params:
                message["text"] = params["text"]
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            else:
                message.pop("reply_markup", None)
            self.messages[message["message_id"]] = message
            return message
        if name == "getUpdates":
            return []
        return True

    # -- reading what the bot did ----------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        """Every successful call of one method, in order."""
        return [c for c in self.calls if c.method == method and c.status == 200]

    def last(self, method: str) -> Call:
        """The most recent call of one method."""
        found = self.of(method)
        assert found, f"no {method} call; calls were {[c.method for c in self.calls]}"
        return found[-1]
