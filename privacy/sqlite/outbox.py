"""The outbox of rights requests' mails in SQLite (``stores.Outbox``). A lease is taken inside the caller's
``BEGIN IMMEDIATE`` transaction: SQLite has one writer at a time, so two passes never lease the same mail."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from ..records import record
from ..stores import Backlog, OutboxMail, QueuedMail
from .moments import READING, iso, moment

COLUMNS = (
    "id, message_id, reference, kind, recipient, message, draft, created_at, attempts, next_attempt_at,"
    " leased_until, last_error, sent_at, failed_at"
)


def _mail(row: sqlite3.Row) -> OutboxMail:
    return record(OutboxMail, row, READING)


class SqliteOutbox:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def _mails(self, where: str, params: tuple[object, ...] = ()) -> list[OutboxMail]:
        return [_mail(row) for row in self.db.execute(f"SELECT {COLUMNS} FROM rights_outbox {where}", params)]

    def enqueue(self, mail: QueuedMail, now: datetime) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO rights_outbox (message_id, reference, kind, recipient, message, draft, created_at,"
            " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (mail.message_id, mail.reference, mail.kind, mail.recipient, mail.message, mail.draft, iso(now), iso(now)),
        )

    def lease(self, now: datetime, limit: int, until: datetime) -> list[OutboxMail]:
        mails = self._mails(
            "WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
            " AND (leased_until IS NULL OR leased_until <= ?) ORDER BY id LIMIT ?",
            (iso(now), iso(now), limit),
        )
        self.renew([mail.id for mail in mails], until)
        return mails

    def renew(self, ids: list[int], until: datetime) -> None:
        self.db.executemany(
            "UPDATE rights_outbox SET leased_until = ? WHERE id = ? AND sent_at IS NULL", [(iso(until), i) for i in ids]
        )

    def release(self, ids: list[int]) -> None:
        self.db.executemany(
            "UPDATE rights_outbox SET leased_until = NULL WHERE id = ? AND sent_at IS NULL", [(i,) for i in ids]
        )

    def sent(self, mail_id: int, now: datetime) -> None:
        self.db.execute(
            "UPDATE rights_outbox SET sent_at = ?, attempts = attempts + 1, message = NULL, draft = NULL,"
            " leased_until = NULL, last_error = NULL WHERE id = ?",
            (iso(now), mail_id),
        )

    def keep_message(self, mail_id: int, message: bytes) -> None:
        self.db.execute("UPDATE rights_outbox SET message = ?, draft = NULL WHERE id = ?", (message, mail_id))

    def failed_attempt(
        self, mail_id: int, attempts: int, error: str, next_attempt_at: datetime, failed_at: datetime | None
    ) -> None:
        self.db.execute(
            "UPDATE rights_outbox SET attempts = ?, last_error = ?, leased_until = NULL, next_attempt_at = ?,"
            " failed_at = ? WHERE id = ?",
            (attempts, error, iso(next_attempt_at), iso(failed_at) if failed_at else None, mail_id),
        )

    def resume(self, now: datetime) -> int:
        return self.db.execute(
            "UPDATE rights_outbox SET next_attempt_at = ? WHERE sent_at IS NULL AND failed_at IS NULL"
            " AND next_attempt_at > ?",
            (iso(now), iso(now)),
        ).rowcount

    def next_due(self) -> datetime | None:
        row = self.db.execute(
            "SELECT MIN(MAX(next_attempt_at, COALESCE(leased_until, ''))) FROM rights_outbox"
            " WHERE sent_at IS NULL AND failed_at IS NULL"
        ).fetchone()
        return moment(row[0]) if row else None

    def backlog(self, now: datetime) -> Backlog:
        at = iso(now)
        row = self.db.execute(
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

    def unsent(self) -> list[OutboxMail]:
        return self._mails("WHERE sent_at IS NULL ORDER BY failed_at IS NULL, id")

    def of_request(self, reference: str) -> list[OutboxMail]:
        return self._mails("WHERE reference = ? ORDER BY id", (reference,))

    def every(self) -> list[OutboxMail]:
        return self._mails("ORDER BY id")

    def find(self, mail_id: int) -> OutboxMail | None:
        found = self._mails("WHERE id = ?", (mail_id,))
        return found[0] if found else None

    def retry(self, now: datetime, mail_id: int | None = None) -> int:
        return self.db.execute(
            "UPDATE rights_outbox SET failed_at = NULL, attempts = 0, next_attempt_at = ?"
            " WHERE sent_at IS NULL AND (leased_until IS NULL OR leased_until <= ?) AND (? IS NULL OR id = ?)",
            (iso(now), iso(now), mail_id, mail_id),
        ).rowcount

    def forget(self, reference: str) -> None:
        self.db.execute("DELETE FROM rights_outbox WHERE reference = ?", (reference,))
