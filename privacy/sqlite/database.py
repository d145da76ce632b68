"""SQLite connections as the server uses them: WAL, synchronous commits, and group commits.

Two files, ``requests`` (rights requests and their outbox: health-related personal data, every commit synced to
disk) and ``consent_log`` (the proof-of-consent log: pseudonymous consent ids only, appended at every banner
click), so that the consent log's many small commits never wait behind a rights request's disk sync, and each
register can be kept, backed up and purged on its own terms. Their tables are made by ``schema.migrate``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from ..private import private_file


def connect(path: Path, synchronous: Literal["FULL", "NORMAL"] = "FULL") -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    private_file(path)  # its -wal and -shm files take its mode
    connection = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    # FULL: a request the visitor saw confirmed survives a power cut, not only a crash.
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=10000")
    return connection


def checkpoint(path: Path, mode: Literal["PASSIVE", "TRUNCATE"] = "PASSIVE") -> None:
    """Move what the write-ahead log holds into the database file, on a connection of its own. PASSIVE copies
    what it can without waiting for anyone; TRUNCATE (at a clean stop) waits for writers and empties the log."""
    if not path.exists():
        return
    db = sqlite3.connect(path, timeout=10)
    try:
        db.execute(f"PRAGMA wal_checkpoint({mode})")
    finally:
        db.close()


T = TypeVar("T")
# What a GroupCommit runs: a function of the connection, or one statement and its parameters.
Work = Callable[[sqlite3.Connection], Any] | tuple[str, tuple[object, ...]]


class GroupCommit:
    """Many concurrent writes, one transaction and one disk sync.

    Each caller's work runs in a shared transaction, on a connection of this
    object's own: a function in its own savepoint (``run``), a single statement
    without one (``insert``: SQLite undoes a failed statement alone). Every
    caller gets its answer only
    once the transaction holding its write is committed. While one batch is
    being committed the next one gathers, so the busier the server, the larger
    the batches — the same durability, far fewer disk syncs.

    With synchronous=FULL a commit waits for the disk, so batches are committed
    in a thread and the event loop keeps taking requests meanwhile. With
    ``in_loop`` (for synchronous=NORMAL, whose commits only write to the WAL)
    a batch is committed on the event loop at the end of the loop's current
    turn: no thread hand-off per batch, which cost more than the write itself.
    Checkpoints, the one step of NORMAL that syncs the disk, then run in a
    thread every ``CHECKPOINT_EVERY`` commits instead of inside a commit.
    """

    CHECKPOINT_EVERY = 500

    def __init__(
        self,
        path: Path,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        *,
        in_loop: bool = False,
    ) -> None:
        if in_loop and synchronous != "NORMAL":
            raise ValueError("only NORMAL commits are quick enough to run on the event loop")
        self.path = path
        self.db = connect(path, synchronous)
        self.in_loop = in_loop
        self._pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self._flushing = False
        self._commits = 0
        self._checkpointing = False
        # The event loop keeps only a weak reference to a task: the flush must be held until it ends.
        self._flush_task: asyncio.Task[None] | None = None
        if in_loop:
            self.db.execute("PRAGMA wal_autocheckpoint=0")

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work``'s result once the transaction that ran it is committed."""
        return await self._queue(work)  # type: ignore[no-any-return]

    async def insert(self, sql: str, row: tuple[object, ...]) -> None:
        """One statement (an INSERT of ``row``), answered once committed. A single statement needs no
        savepoint of its own: when it fails, SQLite undoes that statement only and the batch goes on."""
        await self._queue((sql, row))

    async def _queue(self, work: Work) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((work, future))
        if not self._flushing:
            self._flushing = True
            if self.in_loop:
                loop.call_soon(self._flush_in_loop)
            else:
                self._flush_task = loop.create_task(self._flush_in_thread())
        return await future

    async def _flush_in_thread(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    outcomes = await asyncio.to_thread(self._commit, [work for work, _ in batch])
                except Exception as error:  # every caller is answered, whatever happened to the batch
                    outcomes = [(None, error) for _ in batch]
                _answer(batch, outcomes)
        finally:
            self._flushing = False

    def _flush_in_loop(self) -> None:
        batch, self._pending, self._flushing = self._pending, [], False
        _answer(batch, self._commit([work for work, _ in batch]))
        self._commits += 1
        if self._commits >= self.CHECKPOINT_EVERY and not self._checkpointing:
            self._commits, self._checkpointing = 0, True
            asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            await asyncio.to_thread(self._checkpoint_now)
        finally:
            self._checkpointing = False

    def _checkpoint_now(self) -> None:
        # A connection of the thread's own; PASSIVE never blocks the writer on the event loop.
        checkpoint(self.path, "PASSIVE")

    def _commit(self, works: list[Work]) -> list[tuple[Any, BaseException | None]]:
        outcomes: list[tuple[Any, BaseException | None]] = []
        try:
            self.db.execute("BEGIN IMMEDIATE")
            for work in works:
                if isinstance(work, tuple):
                    try:
                        self.db.execute(*work)
                        outcomes.append((None, None))
                    except sqlite3.Error as error:
                        outcomes.append((None, error))
                    continue
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
            # A full or failing disk may have undone the transaction already, or refuse the ROLLBACK too.
            try:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            return [(None, error) for _ in works]
        return outcomes

    def close(self) -> None:
        if self.in_loop:
            self._checkpoint_now()
        self.db.close()


def _answer(batch: list[tuple[Any, asyncio.Future[Any]]], outcomes: list[tuple[Any, BaseException | None]]) -> None:
    for (_, future), (value, error) in zip(batch, outcomes, strict=False):
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(value)
