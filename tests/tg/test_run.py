"""`jindu run` as a process: a missing token, a rejected token, an unreachable API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JINDU_")}
    full = {**clean, "JINDU_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=full, capture_output=True, text=True, timeout=60
    )


def test_missing_token_exits_2_naming_the_variable(tmp_path):
    result = _run({}, tmp_path)
    assert result.returncode == 2
    assert "JINDU_BOT_TOKEN" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_rejected_token_exits_1_with_a_clear_message(tmp_path):
    class Unauthorized(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode()
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return

    server = HTTPServer(("127.0.0.1", 0), Unauthorized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = "111:rejected-token-value"
    try:
        result = _run(
            {"JINDU_BOT_TOKEN": token, "JINDU_API_URL": f"http://127.0.0.1:{server.server_address[1]}/bot"}, tmp_path
        )
    finally:
        server.shutdown()
    assert result.returncode == 1
    assert "401" in result.stderr and "JINDU_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert token not in result.stderr + result.stdout


def test_unreachable_api_exits_1_without_traceback(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    result = _run({"JINDU_BOT_TOKEN": "111:x", "JINDU_API_URL": f"http://127.0.0.1:{port}/bot"}, tmp_path)
    assert result.returncode == 1
    assert "JINDU_API_URL" in result.stderr and "Traceback" not in result.stderr
