"""The database helpers: WAL and durable commits, and group commit for concurrent writers."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from privacy.database import GroupCommit, connect


def test_connections_use_wal_and_the_requested_durability(tmp_path: Path) -> None:
    full = connect(tmp_path / "db.sqlite3")
    normal = connect(tmp_path / "db.sqlite3", synchronous="NORMAL")
    assert full.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert full.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert normal.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_group_commit_answers_each_writer_after_its_commit(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    connect(path).execute("CREATE TABLE t (n INTEGER UNIQUE)")
    group = GroupCommit(path)
    reader = connect(path)

    def insert(n: int) -> object:
        def work(db: sqlite3.Connection) -> int:
            if n == 13:
                raise ValueError("unlucky")
            db.execute("INSERT INTO t VALUES (?)", (n,))
            return n
        return work

    async def write_all() -> list[object]:
        async def one(n: int) -> object:
            value = await group.run(insert(n))
            # Visible to another connection: committed before the answer.
            assert reader.execute("SELECT 1 FROM t WHERE n = ?", (n,)).fetchone() is not None
            return value
        return await asyncio.gather(*(one(n) for n in range(40)), return_exceptions=True)

    results = asyncio.run(write_all())
    assert [r for r in results if isinstance(r, Exception)] == [results[13]]
    assert str(results[13]) == "unlucky"
    assert sorted(n for (n,) in reader.execute("SELECT n FROM t")) == [n for n in range(40) if n != 13]
    group.close()


def test_after_a_failed_write_the_next_batch_still_commits(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    group = GroupCommit(path)

    async def write(sql: str) -> None:
        await group.run(lambda db: db.execute(sql))

    with pytest.raises(sqlite3.OperationalError):
        asyncio.run(write("INSERT INTO missing VALUES (1)"))
    asyncio.run(write("CREATE TABLE later (n INTEGER)"))
    assert connect(path).execute("SELECT name FROM sqlite_master WHERE name = 'later'").fetchone() is not None
    group.close()
