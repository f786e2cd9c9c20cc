"""The engine stays pure: no Telegram, database, pydantic or clock inside `bot/engine/`."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.engine

ENGINE = Path(bot.engine.__file__).parent
FORBIDDEN_MODULES = {"telegram", "sqlmodel", "sqlalchemy", "pydantic", "pydantic_settings", "time", "db"}
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic"}


def _engine_sources():
    files = sorted(ENGINE.glob("*.py"))
    assert len(files) >= 5, "the engine folder was not found"
    return [(f, ast.parse(f.read_text(encoding="utf-8"))) for f in files]


def test_engine_imports_no_transport_storage_or_clock():
    offenders = []
    for path, tree in _engine_sources():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
    assert offenders == []


def test_engine_never_reads_the_clock():
    offenders = []
    for path, tree in _engine_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_CALLS:
                offenders.append(f"{path.name}:{node.lineno}: .{node.func.attr}()")
    assert offenders == []


def test_guard_would_catch_a_forbidden_import(tmp_path):
    tree = ast.parse("import telegram\nfrom datetime import datetime\nx = datetime.now()\n")
    imports = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    calls = [n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert "telegram" in imports and "now" in calls
