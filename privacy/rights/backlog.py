"""What is left in the outbox, as the DPO's commands show it: each mail's state (sent, waiting for its next
attempt, held by a delivery under way, failed for good), counts for ``deliver``, the list for ``mail list``,
and ``mail retry``'s queueing again."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from .moments import iso, moment


@dataclass(frozen=True)
class Backlog:
    """What is left in the outbox: mails waiting for their next attempt, held by a pass under way (or by one
    that stopped without finishing, until its lease runs out), and failed for good until retried by hand."""

    waiting: int
    next_attempt: datetime | None
    held: int
    held_until: datetime | None
    failed: int

    @property
    def empty(self) -> bool:
        return not (self.waiting or self.held or self.failed)


def backlog(db: sqlite3.Connection, now: datetime | None = None) -> Backlog:
    at = iso(now or datetime.now(UTC))
    row = db.execute(
        "SELECT"
        " COUNT(*) FILTER (WHERE failed_at IS NULL AND (leased_until IS NULL OR leased_until <= ?)),"
        " MIN(next_attempt_at) FILTER (WHERE failed_at IS NULL AND (leased_until IS NULL OR leased_until <= ?)),"
        " COUNT(*) FILTER (WHERE failed_at IS NULL AND leased_until > ?),"
        " MAX(leased_until) FILTER (WHERE failed_at IS NULL AND leased_until > ?),"
        " COUNT(*) FILTER (WHERE failed_at IS NOT NULL)"
        " FROM rights_outbox WHERE sent_at IS NULL",
        (at, at, at, at),
    ).fetchone()
    return Backlog(row[0], moment(row[1]), row[2], moment(row[3]), row[4])


MailState = Literal["sent", "waiting", "held", "failed"]


def state_of(row: sqlite3.Row, now: datetime) -> MailState:
    """A row's state, from its sent_at, failed_at and leased_until."""
    if row["sent_at"]:
        return "sent"
    if row["failed_at"]:
        return "failed"
    if row["leased_until"] and row["leased_until"] > iso(now):
        return "held"
    return "waiting"


def unsent(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every mail not sent yet, failed ones first, then in the order they were queued."""
    return db.execute(
        "SELECT id, reference, kind, attempts, last_error, created_at, next_attempt_at, leased_until, sent_at,"
        " failed_at FROM rights_outbox WHERE sent_at IS NULL ORDER BY failed_at IS NULL, id"
    ).fetchall()


def retry(db: sqlite3.Connection, now: datetime, mail_id: int | None = None) -> int:
    """Make failed (and waiting) mails due now, with a fresh round of attempts; ``mail_id`` None: all of them.
    Mails held by a pass under way are left to it. How many were queued again."""
    return db.execute(
        "UPDATE rights_outbox SET failed_at = NULL, attempts = 0, next_attempt_at = ?"
        " WHERE sent_at IS NULL AND (leased_until IS NULL OR leased_until <= ?) AND (? IS NULL OR id = ?)",
        (iso(now), iso(now), mail_id, mail_id),
    ).rowcount
