"""The server's SQLite database: WAL, synchronous commits, one schema per feature.

Each feature (consent log, rights requests, outbox) registers its tables with
``register_schema``; ``connect`` creates what is missing. Statements are
idempotent (``CREATE … IF NOT EXISTS``) so opening an existing file is safe.
"""

from __future__ import annotations

import sqlite3
from typing import Literal
from pathlib import Path

_SCHEMAS: dict[str, str] = {}


def register_schema(name: str, sql: str) -> None:
    _SCHEMAS[name] = sql


def connect(path: Path, synchronous: Literal["FULL", "NORMAL"] = "FULL") -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    # FULL: a request the visitor saw confirmed survives a power cut, not only a crash.
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=10000")
    for sql in _SCHEMAS.values():
        connection.executescript(sql)
    return connection
