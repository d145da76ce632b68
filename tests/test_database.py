"""The database helpers: WAL and durable commits, and group commit for concurrent writers."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from privacy.sqlite import schema
from privacy.sqlite.database import GroupCommit, connect


def _insert(db: sqlite3.Connection, n: int) -> sqlite3.Cursor:
    return db.execute("INSERT INTO t VALUES (?)", (n,))


def test_connections_use_wal_and_the_requested_durability(tmp_path: Path) -> None:
    full = connect(tmp_path / "db.sqlite3")
    normal = connect(tmp_path / "db.sqlite3", synchronous="NORMAL")
    assert full.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert full.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert normal.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


@pytest.mark.parametrize("in_loop", [False, True], ids=["thread", "in-loop"])
def test_group_commit_answers_each_writer_after_its_commit(tmp_path: Path, in_loop: bool) -> None:
    path = tmp_path / "db.sqlite3"
    connect(path).execute("CREATE TABLE t (n INTEGER UNIQUE)")
    group = GroupCommit(path, "NORMAL", in_loop=True) if in_loop else GroupCommit(path)
    reader = connect(path)

    def insert(n: int) -> Callable[[sqlite3.Connection], int]:
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


def test_writers_on_the_event_loop_share_commits(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    connect(path).execute("CREATE TABLE t (n INTEGER)")
    group = GroupCommit(path, "NORMAL", in_loop=True)
    changes_before = group.db.total_changes

    async def write_all() -> None:
        await asyncio.gather(*(group.run(functools.partial(_insert, n=n)) for n in range(50)))

    asyncio.run(write_all())
    assert group.db.total_changes - changes_before == 50
    assert group._commits == 1  # fifty writers gathered in one turn of the loop: one transaction
    group.close()


@pytest.mark.parametrize("in_loop", [False, True], ids=["thread", "in-loop"])
def test_a_refused_insert_fails_alone_and_its_batch_commits(tmp_path: Path, in_loop: bool) -> None:
    path = tmp_path / "db.sqlite3"
    connect(path).execute("CREATE TABLE t (n INTEGER UNIQUE)")
    group = GroupCommit(path, "NORMAL", in_loop=in_loop)
    insert = "INSERT INTO t VALUES (?)"

    async def batch() -> list[object]:
        return await asyncio.gather(*(group.insert(insert, (n,)) for n in (1, 2, 1, 3)), return_exceptions=True)

    outcomes = asyncio.run(batch())
    assert outcomes[:2] == [None, None] and outcomes[3] is None
    assert isinstance(outcomes[2], sqlite3.IntegrityError)
    assert [n for (n,) in connect(path).execute("SELECT n FROM t ORDER BY n")] == [1, 2, 3]
    group.close()


def test_only_normal_commits_may_run_on_the_event_loop(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NORMAL"):
        GroupCommit(tmp_path / "db.sqlite3", "FULL", in_loop=True)


def test_the_write_ahead_log_is_checkpointed_outside_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    group = GroupCommit(path, "NORMAL", in_loop=True)
    group.CHECKPOINT_EVERY = 3
    group.db.execute("CREATE TABLE t (n INTEGER)")  # in the WAL only: automatic checkpoints are off
    header_only = path.stat().st_size

    async def write(n: int) -> None:
        await group.run(lambda db: db.execute("INSERT INTO t VALUES (?)", (n,)))
        for _ in range(200):  # the checkpoint's thread, started after the third commit
            if not group._checkpointing:
                break
            await asyncio.sleep(0.01)

    for n in range(2):
        asyncio.run(write(n))
    assert path.stat().st_size == header_only
    asyncio.run(write(2))
    assert path.stat().st_size > header_only  # the table's pages reached the database file
    assert group._commits == 0
    group.close()


def test_a_database_from_an_earlier_version_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE rights_outbox (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,"
        " reference TEXT NOT NULL, kind TEXT NOT NULL, recipient TEXT NOT NULL, message BLOB,"
        " created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL,"
        " leased_until TEXT, last_error TEXT, sent_at TEXT, failed_at TEXT)"
    )
    old.execute(
        "INSERT INTO rights_outbox (message_id, reference, kind, recipient, message, created_at,"
        " next_attempt_at) VALUES ('<a>', 'R', 'dpo', 'dpo@example.org', x'00', 'now', 'now')"
    )
    old.commit()
    old.close()
    upgraded = connect(path)
    schema.migrate(upgraded, path, schema.REQUESTS)
    columns = {row[1] for row in upgraded.execute("PRAGMA table_info(rights_outbox)")}
    assert "draft" in columns
    assert upgraded.execute("SELECT message_id FROM rights_outbox").fetchall()[0][0] == "<a>"  # nothing lost
    assert schema.migrate(upgraded, path, schema.REQUESTS).before == schema.REQUESTS[-1].version  # done once
