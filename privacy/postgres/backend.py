"""The shared backend: one PostgreSQL database for every instance (``PRIVACY_DATABASE_URL=postgresql://…``).

A pool of connections per instance (psycopg 3's ``ConnectionPool``); each feature's work runs in a thread, in a
transaction of its own on one pooled connection, and is answered once committed. Commits are synchronous
(``synchronous_commit=on``, whatever the server's default): a request is on the database's disk before the
visitor sees its confirmation, and a proof of consent before its cookie. Concurrent transactions of one or many
instances share the server's WAL flushes (its own group commit).

Transactions are pipelined (psycopg's pipeline mode): a statement whose result is not read (an INSERT, an
UPDATE, BEGIN and COMMIT themselves) is sent without waiting for its answer, and goes with the next one that is
read. A posted choice takes two round trips instead of six, a rights request five instead of fifteen: each
round trip costs a thread's wake-up here and a read and a write there, more than the statement itself. The
stores read what a statement changed from its ``RETURNING`` rows (``register.changed``), never ``rowcount``,
which a pipeline only knows once the result is fetched.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from ..codes import N_
from ..migrations import Applied
from ..stores import StorageFailed, StorageRefused, Stores
from . import schema
from .commits import SIGNATURE, OutboxChanges
from .consent_log import PostgresConsentLog
from .counters import PostgresRateLimits, PostgresRuns
from .lifecycle import PostgresAnswers, PostgresCodes, PostgresDigests, PostgresHistory
from .outbox import PostgresOutbox
from .register import Connection, PostgresRegister

T = TypeVar("T")
S = TypeVar("S")
# Connections per instance: the request path's concurrent writes, the outbox worker, the purges.
POOL_SIZE = 10
CONNECT_TIMEOUT_SECONDS = 10

UNREACHABLE = N_(
    "the PostgreSQL database %(database)s cannot be reached (%(problem)s): check PRIVACY_DATABASE_URL (host, "
    "port, database, user, password), that the server runs and accepts this machine, then start again"
)


def shown(url: str) -> str:
    """The URL as the operator may read it in a log: never its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class RightsSession:
    def __init__(self, connection: Connection) -> None:
        self.register = PostgresRegister(connection)
        self.outbox = PostgresOutbox(connection)
        self.rate_limits = PostgresRateLimits(connection)
        self.runs = PostgresRuns(connection)
        self.history = PostgresHistory(connection)
        self.answers = PostgresAnswers(connection)
        self.codes = PostgresCodes(connection)
        self.digests = PostgresDigests(connection)


class ConsentSession:
    def __init__(self, connection: Connection) -> None:
        self.log = PostgresConsentLog(connection)
        self.rate_limits = PostgresRateLimits(connection)
        self.runs = PostgresRuns(connection)


class PostgresDatabase(Generic[S]):
    def __init__(
        self, pool: ConnectionPool[Connection], session: Callable[[Connection], S], threads: ThreadPoolExecutor
    ) -> None:
        self.pool = pool
        self.session = session
        # As many threads as connections, of the pool's own: the event loop's default executor has a handful
        # (cores + 4) shared with every other thread hop of the server.
        self.threads = threads

    def commits(self) -> OutboxChanges:
        return OutboxChanges(lambda: self.run(_signature, reading=True))

    @contextmanager
    def transaction(self, *, reading: bool = False) -> Iterator[S]:
        try:
            with (
                self.pool.connection() as connection,
                _rolled_back_unless_committed(connection),
                _pipelined(connection, reading),
            ):
                yield self.session(connection)
        except (psycopg.Error, PoolTimeout) as error:
            raise StorageFailed(str(error).strip()) from error

    async def write(self, work: Callable[[S], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.threads, self._run, work, False)

    async def run(self, work: Callable[[S], T], *, reading: bool = False) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.threads, self._run, work, reading)

    def _run(self, work: Callable[[S], T], reading: bool) -> T:
        with self.transaction(reading=reading) as session:
            return work(session)

    def close(self) -> None:
        pass  # the pool is both databases': closed by the stores (``Stores.on_close``)


@contextmanager
def _pipelined(connection: Connection, reading: bool) -> Iterator[None]:
    """A transaction in one pipeline. BEGIN and COMMIT are sent by hand: psycopg's transaction() in a pipeline
    syncs on entering and on leaving (four round trips where the statements need one or two). Leaving the
    pipeline waits for every answer, the COMMIT's included: the work is committed when this returns.

    An error (the work's, or a statement's that the pipeline reports on a later one) leaves the pipeline only
    once its Sync is answered, then is raised: left in flight, psycopg would log the answers still owed."""
    failure: BaseException | None = None
    with connection.pipeline() as pipeline:
        try:
            connection.execute("BEGIN READ ONLY" if reading else "BEGIN")
            yield
            connection.execute("COMMIT")
        except BaseException as error:
            failure = error
            with suppress(psycopg.Error):  # the answers owed after the first error: that error is the one
                pipeline.sync()
    if failure is not None:
        raise failure


@contextmanager
def _rolled_back_unless_committed(connection: Connection) -> Iterator[None]:
    """A transaction that an error interrupted (in the work, or in a statement the pipeline reports late) is
    rolled back before its connection goes back to the pool, which would otherwise only warn and roll back."""
    try:
        yield
    except BaseException:
        if not connection.closed and connection.info.transaction_status != TransactionStatus.IDLE:
            connection.execute("ROLLBACK")
        raise


def _signature(session: object) -> tuple[object, ...]:
    connection = session.outbox.connection  # type: ignore[attr-defined]
    row = connection.execute(SIGNATURE).fetchone()
    return tuple(row.values()) if row else ()


def _pool(url: str) -> ConnectionPool[Connection]:
    pool: ConnectionPool[Connection] = ConnectionPool(
        url,
        min_size=1,
        max_size=POOL_SIZE,
        open=False,
        timeout=CONNECT_TIMEOUT_SECONDS,
        kwargs={
            "autocommit": True,  # transactions are explicit (connection.transaction())
            "row_factory": dict_row,
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": "-c synchronous_commit=on",
            "application_name": "privacy-notices",
        },
        name="privacy",
    )
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
    except (PoolTimeout, psycopg.Error) as error:
        pool.close()
        raise StorageRefused(UNREACHABLE, database=shown(url), problem=_problem(error)) from None
    return pool


def _problem(error: Exception) -> str:
    cause = error.__cause__ or error.__context__
    return str(cause or error).strip().splitlines()[0] if str(cause or error).strip() else type(error).__name__


def open_postgres(url: str) -> Stores:
    """The database at ``url``, at the latest schema (created if new; refused if it lacks migrations)."""
    pool = _pool(url)
    try:
        with pool.connection() as connection:
            schema.ensure(connection, shown(url))
    except psycopg.Error as error:
        pool.close()
        raise StorageRefused(UNREACHABLE, database=shown(url), problem=_problem(error)) from None
    except BaseException:
        pool.close()
        raise
    threads = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="postgresql")

    def close() -> None:
        threads.shutdown(wait=True)
        pool.close()

    return Stores(
        PostgresDatabase(pool, RightsSession, threads),
        PostgresDatabase(pool, ConsentSession, threads),
        "postgresql",
        _no_upkeep,
        on_close=close,
    )


@asynccontextmanager
async def _no_upkeep() -> AsyncIterator[None]:
    # PostgreSQL looks after its own files (autovacuum, checkpoints).
    yield


def migrate_postgres(url: str) -> list[Applied]:
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS) as connection:
            return [schema.migrate(connection, shown(url))]
    except psycopg.Error as error:
        raise StorageRefused(UNREACHABLE, database=shown(url), problem=_problem(error)) from None
