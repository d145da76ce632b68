"""The server's SQLite database: WAL, synchronous commits, one schema per feature.

Each feature (consent log, rights requests, outbox) registers its tables with
``register_schema``; ``connect`` creates what is missing. Statements are
idempotent (``CREATE … IF NOT EXISTS``) so opening an existing file is safe.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any, Literal, TypeVar
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


T = TypeVar("T")


class GroupCommit:
    """Many concurrent writes, one transaction and one fsync.

    Each caller's work runs in its own savepoint inside a shared transaction,
    on a connection of this object's own, in a thread so the event loop keeps
    taking requests meanwhile; every caller gets its answer only once the
    transaction holding its write is committed. While one batch is being
    committed the next one gathers, so the busier the server, the larger the
    batches — the same durability, far fewer disk syncs.
    """

    def __init__(self, path: Path, synchronous: Literal["FULL", "NORMAL"] = "FULL") -> None:
        self.db = connect(path, synchronous)
        self._pending: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = []
        self._flushing = False

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                outcomes = await asyncio.to_thread(self._commit, [work for work, _ in batch])
                for (_, future), (value, error) in zip(batch, outcomes):
                    if not future.done():
                        future.set_exception(error) if error is not None else future.set_result(value)
        finally:
            self._flushing = False

    def _commit(self, works: list[Callable[[sqlite3.Connection], Any]]) -> list[tuple[Any, BaseException | None]]:
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            self.db.execute("BEGIN IMMEDIATE")
            for work in works:
                self.db.execute("SAVEPOINT one_write")
                try:
                    outcomes.append((work(self.db), None))
                    self.db.execute("RELEASE one_write")
                except Exception as error:  # this caller's failure, not the batch's
                    self.db.execute("ROLLBACK TO one_write")
                    self.db.execute("RELEASE one_write")
                    outcomes.append((None, error))
            self.db.execute("COMMIT")
        except Exception as error:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            return [(None, error) for _ in works]
        return outcomes

    def close(self) -> None:
        self.db.close()
