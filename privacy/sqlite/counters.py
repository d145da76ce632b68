"""Rate-limit hits and scheduled runs in SQLite (``rate_limits.RateLimits``, ``stores.Runs``)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from .moments import iso


class SqliteRateLimits:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def nth_latest(self, counter: str, key: bytes, now: float, n: int) -> float | None:
        row = self.db.execute(
            "SELECT expires_at FROM rate_limit_hits WHERE counter = ? AND key = ? AND expires_at > ?"
            " ORDER BY expires_at DESC LIMIT 1 OFFSET ?",
            (counter, key, now, n - 1),
        ).fetchone()
        return float(row[0]) if row else None

    def take(self, counter: str, key: bytes, now: float, n: int, expires_at: float) -> float | None:
        # In the caller's BEGIN IMMEDIATE: no other writer between the count and the hit.
        frees_at = self.nth_latest(counter, key, now, n)
        if frees_at is None:
            self.add_hit(counter, key, expires_at)
        return frees_at

    def add_hit(self, counter: str, key: bytes, expires_at: float) -> None:
        self.db.execute(
            "INSERT INTO rate_limit_hits (counter, key, expires_at) VALUES (?, ?, ?)", (counter, key, expires_at)
        )

    def forget_expired(self, now: float, at_most: int) -> None:
        self.db.execute(
            "DELETE FROM rate_limit_hits WHERE rowid IN (SELECT rowid FROM rate_limit_hits"
            " WHERE expires_at <= ? LIMIT ?)",
            (now, at_most),
        )


class SqliteRuns:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def claim(self, job: str, now: datetime, every: timedelta) -> bool:
        # In the caller's BEGIN IMMEDIATE: one writer at a time, so of two instances one claims the run.
        changed = self.db.execute(
            "INSERT INTO periodic_runs (job, ran_at) VALUES (?, ?)"
            " ON CONFLICT (job) DO UPDATE SET ran_at = excluded.ran_at WHERE periodic_runs.ran_at <= ?",
            (job, iso(now), iso(now - every)),
        ).rowcount
        return bool(changed)
