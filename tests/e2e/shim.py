"""A request shim between the bot and the telegram-test-api emulator.

The emulator deviates from the real Bot API in five ways; this proxy mends them so the bot talks to
it unchanged:

1. getMe's user lacks ``is_bot``                 -> added.
2. message ``date`` is in milliseconds            -> converted to seconds.
3. editMessageText (and answerCallbackQuery) return null -> ``true``.
4. callback queries lack ``chat_instance`` and their message ``message_id``/``date`` -> filled in.
5. getUpdates ignores ``offset``/``timeout``      -> an empty answer is held briefly, like long polling
   (the emulator marks updates read when it hands them out, so none repeats).

It also answers the few methods the emulator lacks (setMyCommands and the like) with ``true``.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

UNSUPPORTED_OK = {"setMyCommands", "deleteMyCommands", "setChatMenuButton", "setMyDescription"}
EMPTY_POLL_PAUSE = 0.3


def _seconds(value: Any) -> Any:
    return value // 1000 if isinstance(value, int) and value > 10**11 else value


def _mend_message(message: dict[str, Any] | None, fallback_id: int = 1) -> None:
    if not isinstance(message, dict):
        return
    message.setdefault("message_id", fallback_id)
    message["date"] = _seconds(message.get("date", int(time.time())))
    chat = message.get("chat")
    if isinstance(chat, dict):
        chat.setdefault("type", "private")


def mend(method: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Turn one emulator answer into what the real Bot API would send."""
    result = payload.get("result")
    if method == "getMe" and isinstance(result, dict):
        result.setdefault("is_bot", True)
    elif method == "getUpdates" and isinstance(result, list):
        for update in result:
            _mend_message(update.get("message"), fallback_id=update.get("update_id", 1))
            query = update.get("callback_query")
            if query:
                query.setdefault("chat_instance", f"emulator-{query['from']['id']}")
                _mend_message(query.get("message"))
    elif method in ("sendMessage", "editMessageText", "editMessageReplyMarkup") and isinstance(result, dict):
        _mend_message(result)
    if payload.get("ok") and result is None:
        payload["result"] = True
    return payload


class Shim:
    """Runs the proxy in a thread: ``Shim(emulator_port).start()`` -> its own port."""

    def __init__(self, emulator_port: int) -> None:
        self.emulator = f"http://127.0.0.1:{emulator_port}"
        self.calls: list[str] = []
        shim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                return

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                method = self.path.rsplit("/", 1)[-1]
                shim.calls.append(method)
                if method in UNSUPPORTED_OK:
                    return self._send(200, {"ok": True, "result": True})
                status, payload = shim.forward(self.path, body, self.headers.get("Content-Type"))
                if status == 200:
                    payload = mend(method, payload)
                    if method == "getUpdates" and not payload.get("result"):
                        time.sleep(EMPTY_POLL_PAUSE)
                self._send(status, payload)

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # the bot process may be stopped mid-poll
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def forward(self, path: str, body: bytes | None, content_type: str | None) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(self.emulator + path, data=body or b"", method="POST")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode(errors="replace")
            return exc.code, {"ok": False, "error_code": exc.code, "description": text}

    def start(self) -> Shim:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
