"""Rate-limit hits and scheduled runs in PostgreSQL (``rate_limits.RateLimits``, ``stores.Runs``): shared by
every instance on the database, so that they enforce one limit and run each purge once."""

from __future__ import annotations

from datetime import datetime, timedelta

from .register import Connection, advisory_key, changed


class PostgresRateLimits:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _lock(self, counter: str, key: bytes) -> None:
        # One counting at a time per value, across instances, until this transaction ends: two posts counted at
        # once on two instances would each see the other's hit missing and both pass the limit. A statement of
        # its own: a statement sees what was committed when it began, so the count must begin once this is held.
        self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key(counter, key),))

    def nth_latest(self, counter: str, key: bytes, now: float, n: int) -> float | None:
        self._lock(counter, key)
        row = self.connection.execute(
            "SELECT expires_at FROM rate_limit_hits WHERE counter = %s AND key = %s AND expires_at > %s"
            " ORDER BY expires_at DESC LIMIT 1 OFFSET %s",
            (counter, key, now, n - 1),
        ).fetchone()
        return float(row["expires_at"]) if row else None

    def take(self, counter: str, key: bytes, now: float, n: int, expires_at: float) -> float | None:
        self._lock(counter, key)
        # A data-modifying WITH runs to its end whether or not it is read: the hit is added when no n-th exists.
        row = self.connection.execute(
            "WITH nth AS (SELECT expires_at FROM rate_limit_hits WHERE counter = %(counter)s AND key = %(key)s"
            " AND expires_at > %(now)s ORDER BY expires_at DESC LIMIT 1 OFFSET %(skip)s),"
            " added AS (INSERT INTO rate_limit_hits (counter, key, expires_at)"
            " SELECT %(counter)s, %(key)s, %(until)s WHERE NOT EXISTS (SELECT 1 FROM nth))"
            " SELECT (SELECT expires_at FROM nth) AS frees_at",
            {"counter": counter, "key": key, "now": now, "skip": n - 1, "until": expires_at},
        ).fetchone()
        return float(row["frees_at"]) if row and row["frees_at"] is not None else None

    def add_hit(self, counter: str, key: bytes, expires_at: float) -> None:
        self.connection.execute(
            "INSERT INTO rate_limit_hits (counter, key, expires_at) VALUES (%s, %s, %s)", (counter, key, expires_at)
        )

    def forget_expired(self, now: float, at_most: int) -> None:
        self.connection.execute(
            "DELETE FROM rate_limit_hits WHERE ctid IN (SELECT ctid FROM rate_limit_hits WHERE expires_at <= %s"
            " LIMIT %s FOR UPDATE SKIP LOCKED)",
            (now, at_most),
        )


class PostgresRuns:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def claim(self, job: str, now: datetime, every: timedelta) -> bool:
        # Of two instances claiming at once, the second waits for the first's row, then finds it recent.
        return (
            changed(
                self.connection.execute(
                    "INSERT INTO periodic_runs (job, ran_at) VALUES (%s, %s) ON CONFLICT (job) DO UPDATE"
                    " SET ran_at = EXCLUDED.ran_at WHERE periodic_runs.ran_at <= %s RETURNING 1",
                    (job, now, now - every),
                )
            )
            > 0
        )
