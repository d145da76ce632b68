"""Which psycopg 3 pool the PostgreSQL backend uses: the async pool on the event loop, or the thread pool with
each transaction in a thread (what privacy/postgres/backend.py does). The same work as POST /consent's: one
transaction that counts the client's hit (an advisory lock, a SELECT, an INSERT) and appends a proof, committed
synchronously; 32 concurrent writers for a bounded number of transactions, on a throwaway cluster.

    .venv/bin/python -m bench.pool_choice        # prints transactions/s, p50/p99 and CPU µs per transaction
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
from collections.abc import Awaitable, Callable

import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from tests.support.postgres import running_cluster

WRITERS = 32
TRANSACTIONS = 4000
SCHEMA = """
    CREATE TABLE hits (counter text, key bytea, expires_at double precision);
    CREATE INDEX ON hits (counter, key, expires_at);
    CREATE TABLE proofs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, consent_id text, choices text);
"""
STATEMENTS = (
    ("SELECT pg_advisory_xact_lock(%s)", lambda n: (n,)),
    ("SELECT expires_at FROM hits WHERE counter = 'c' AND key = %s AND expires_at > 0", lambda n: (n.to_bytes(8),)),
    ("INSERT INTO hits VALUES ('c', %s, 1e10)", lambda n: (n.to_bytes(8),)),
    ("INSERT INTO proofs (consent_id, choices) VALUES (%s, '{}')", lambda n: (str(n),)),
)


def _thread_work(pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]], n: int) -> None:
    with pool.connection() as connection, connection.transaction():
        for sql, params in STATEMENTS:
            connection.execute(sql, params(n))


async def _async_work(pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]], n: int) -> None:
    async with pool.connection() as connection, connection.transaction():
        for sql, params in STATEMENTS:
            await connection.execute(sql, params(n))


async def _measure(one: Callable[[int], Awaitable[None]]) -> dict[str, float]:
    latencies: list[float] = []
    queue = iter(range(TRANSACTIONS))

    async def writer() -> None:
        for n in queue:
            started = time.perf_counter()
            await one(n)
            latencies.append(time.perf_counter() - started)

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    latencies.sort()
    return {
        "per_second": TRANSACTIONS / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "cpu_us": used / TRANSACTIONS * 1e6,
    }


async def _thread_pool(url: str) -> dict[str, float]:
    pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]] = ConnectionPool(
        url, min_size=10, max_size=10, open=True, kwargs={"autocommit": True}
    )
    pool.wait()
    try:
        return await _measure(lambda n: asyncio.to_thread(_thread_work, pool, n))
    finally:
        pool.close()


async def _async_pool(url: str) -> dict[str, float]:
    pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]] = AsyncConnectionPool(
        url, min_size=10, max_size=10, open=False, kwargs={"autocommit": True}
    )
    await pool.open(wait=True)
    try:
        return await _measure(lambda n: _async_work(pool, n))
    finally:
        await pool.close()


def main() -> None:
    with running_cluster() as cluster:
        url = cluster.url(cluster.create_database())
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(SCHEMA)
        for name, run in (("thread pool", _thread_pool), ("async pool", _async_pool)) * 2:
            figures = asyncio.run(run(url))
            print(
                f"{name:12} {figures['per_second']:7.0f} transactions/s  p50 {figures['p50_ms']:5.1f} ms"
                f"  p99 {figures['p99_ms']:5.1f} ms  {figures['cpu_us']:5.0f} µs CPU (this process) each"
            )


if __name__ == "__main__":
    main()
