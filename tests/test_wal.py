"""The write-ahead log reader: damage is told apart from the logs SQLite leaves in normal work."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from privacy.wal import damage


def _writer(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE IF NOT EXISTS t (x TEXT)")
    return db


def _commits(db: sqlite3.Connection, count: int) -> None:
    for _ in range(count):
        db.execute("INSERT INTO t VALUES (?)", ("x" * 300,))


def test_an_intact_log_a_reused_one_and_none_at_all_are_not_damage(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    assert damage(path) is None
    db = _writer(path)
    _commits(db, 40)
    assert damage(path) is None
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    _commits(db, 3)  # the log starts again from its beginning; the older frames behind are another generation
    assert damage(path) is None
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert damage(path) is None
    db.close()


def test_a_damaged_frame_followed_by_commits_is_damage_and_sqlite_would_drop_them(tmp_path: Path) -> None:
    live, copy = tmp_path / "live.sqlite3", tmp_path / "copy.sqlite3"
    db = _writer(live)
    _commits(db, 60)
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{live}{suffix}", f"{copy}{suffix}")
    db.close()
    with open(f"{copy}-wal", "r+b") as handle:
        handle.seek(32 + 20 * (24 + 4096) + 100)
        handle.write(b"\x00damage")
    found = damage(copy)
    assert found is not None and found.valid_frames == 20 and found.dropped_frames >= 30
    reader = sqlite3.connect(copy)
    assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] < 20  # what SQLite would have served
    reader.close()


def test_a_frame_cut_short_by_a_crash_is_not_damage(tmp_path: Path) -> None:
    live, copy = tmp_path / "live.sqlite3", tmp_path / "copy.sqlite3"
    db = _writer(live)
    _commits(db, 10)
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{live}{suffix}", f"{copy}{suffix}")
    db.close()
    log = Path(f"{copy}-wal")
    log.write_bytes(log.read_bytes()[:-1000])  # the last frame only half written
    assert damage(copy) is None
