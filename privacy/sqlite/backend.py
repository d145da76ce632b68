"""The embedded backend: two SQLite files under var/ (``make run``'s default), each a ``stores.Database``.

Each database has a group commit (its own connection: the request path's writes, batched, answered once
durable) and a few connections for the rest, one per thread at a time (the outbox worker, the DPO desk, the
commands). All are opened at start and closed by ``close``: the set is fixed, so a test can reach every
connection the server writes through.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Literal, TypeVar

from .. import storage
from ..migrations import Applied, Migration
from ..settings import Settings
from ..stores import StorageFailed, Stores
from . import schema
from .commits import DataVersion
from .consent_log import SqliteConsentLog
from .counters import SqliteRateLimits, SqliteRuns
from .database import GroupCommit, connect
from .lifecycle import SqliteAnswers, SqliteCodes, SqliteDigests, SqliteHistory
from .outbox import SqliteOutbox
from .register import SqliteRegister

T = TypeVar("T")
S = TypeVar("S")
# Connections besides the group commit's: the outbox worker, the desk, a command or two at once.
POOL_SIZE = 3


class RightsSession:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.register = SqliteRegister(db)
        self.outbox = SqliteOutbox(db)
        self.rate_limits = SqliteRateLimits(db)
        self.runs = SqliteRuns(db)
        self.history = SqliteHistory(db)
        self.answers = SqliteAnswers(db)
        self.codes = SqliteCodes(db)
        self.digests = SqliteDigests(db)


class ConsentSession:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.log = SqliteConsentLog(db)
        self.rate_limits = SqliteRateLimits(db)
        self.runs = SqliteRuns(db)


@dataclass(frozen=True)
class Kind(Generic[S]):
    """What differs between the two files."""

    session: Callable[[sqlite3.Connection], S]
    migrations: tuple[Migration, ...]
    synchronous: Literal["FULL", "NORMAL"]
    in_loop: bool


RIGHTS: Kind[RightsSession] = Kind(RightsSession, schema.REQUESTS, "FULL", in_loop=False)
# synchronous=NORMAL: in WAL mode a logged choice survives a crash of the server; only a power cut may lose the
# last moments, and the person's cookie still holds the choice. Its commits are quick enough for the event loop.
CONSENT: Kind[ConsentSession] = Kind(ConsentSession, schema.CONSENT_LOG, "NORMAL", in_loop=True)


class SqliteDatabase(Generic[S]):
    def __init__(self, path: Path, kind: Kind[S]) -> None:
        self.path = path
        self.kind = kind
        first = connect(path, kind.synchronous)
        try:
            schema.ensure(first, path, kind.migrations)
        except BaseException:
            first.close()
            raise
        self.group = GroupCommit(path, kind.synchronous, in_loop=kind.in_loop)
        self._idle: queue.Queue[sqlite3.Connection] = queue.Queue()
        self._all = [first, *(connect(path, kind.synchronous) for _ in range(POOL_SIZE - 1))]
        for db in self._all:
            self._idle.put(db)

    def commits(self) -> DataVersion:
        return DataVersion(self.path)

    def connections(self) -> list[sqlite3.Connection]:
        """Every connection this database writes through."""
        return [self.group.db, *self._all]

    @contextmanager
    def transaction(self, *, reading: bool = False) -> Iterator[S]:
        db = self._idle.get()
        try:
            with _writing_nothing(db) if reading else nullcontext(), _in_transaction(db, reading):
                yield self.kind.session(db)
        except sqlite3.Error as error:
            raise StorageFailed(str(error)) from error
        finally:
            self._idle.put(db)

    async def write(self, work: Callable[[S], T]) -> T:
        session = self.kind.session
        try:
            return await self.group.run(lambda db: work(session(db)))
        except sqlite3.Error as error:
            raise StorageFailed(str(error)) from error

    async def run(self, work: Callable[[S], T], *, reading: bool = False) -> T:
        return await asyncio.to_thread(self._run, work, reading)

    def _run(self, work: Callable[[S], T], reading: bool) -> T:
        with self.transaction(reading=reading) as session:
            return work(session)

    def close(self) -> None:
        self.group.close()
        for db in self._all:
            db.close()


@contextmanager
def _writing_nothing(db: sqlite3.Connection) -> Iterator[None]:
    """A reader writes nothing, as on PostgreSQL (BEGIN READ ONLY): a write there is a mistake. The setting is
    put back as it was (a disk made read-only sets it too)."""
    before = db.execute("PRAGMA query_only").fetchone()[0]
    db.execute("PRAGMA query_only = 1")
    try:
        yield
    finally:
        db.execute(f"PRAGMA query_only = {int(before)}")


@contextmanager
def _in_transaction(db: sqlite3.Connection, reading: bool) -> Iterator[None]:
    # IMMEDIATE: the write lock first, so what is read and what is written cannot interleave with another
    # writer's. A reader takes no lock: a full or read-only disk still answers it.
    db.execute("BEGIN" if reading else "BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        _rollback(db)
        raise


def _rollback(db: sqlite3.Connection) -> None:
    # A full or failing disk may have undone the transaction already, or refuse the ROLLBACK: the error that
    # stopped the transaction is the one to report.
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def open_sqlite(settings: Settings, *, check: bool = True) -> Stores:
    """Both files at the latest schema; ``check``: a damaged one refuses (``storage.check``)."""
    if check:
        storage.check(settings)
    rights = SqliteDatabase(settings.database, RIGHTS)
    try:
        consent = SqliteDatabase(settings.consent_log, CONSENT)
    except BaseException:
        rights.close()
        raise
    return Stores(rights, consent, "sqlite", lambda: _upkeep(settings))


@asynccontextmanager
async def _upkeep(settings: Settings) -> AsyncIterator[None]:
    async with storage.upkeep(settings):
        yield


def migrate_sqlite(settings: Settings) -> list[Applied]:
    """``server.py migrate`` on the embedded backend: each file brought to the latest schema."""
    storage.check(settings)
    applied = []
    for path, steps in ((settings.database, schema.REQUESTS), (settings.consent_log, schema.CONSENT_LOG)):
        db = connect(path)
        try:
            applied.append(schema.migrate(db, path, steps))
        finally:
            db.close()
    return applied
