"""Rate-limit hits and scheduled runs in PostgreSQL (``rate_limits.RateLimits``, ``stores.Runs``): shared by
every instance on the database, so that they enforce one limit and run each purge once."""

from __future__ import annotations

from datetime import datetime, timedelta

from .register import Connection, advisory_key


class PostgresRateLimits:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def live_hits(self, counter: str, key: bytes, now: float) -> list[float]:
        # One counting at a time per value, across instances, until this transaction ends: two posts counted at
        # once on two instances would each see the other's hit missing and both pass the limit.
        self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key(counter, key),))
        rows = self.connection.execute(
            "SELECT expires_at FROM rate_limit_hits WHERE counter = %s AND key = %s AND expires_at > %s"
            " ORDER BY expires_at",
            (counter, key, now),
        ).fetchall()
        return [float(row["expires_at"]) for row in rows]

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
            self.connection.execute(
                "INSERT INTO periodic_runs (job, ran_at) VALUES (%s, %s) ON CONFLICT (job) DO UPDATE"
                " SET ran_at = EXCLUDED.ran_at WHERE periodic_runs.ran_at <= %s",
                (job, now, now - every),
            ).rowcount
            > 0
        )
