"""The register of rights requests in SQLite (``stores.RightsRegister``)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from ..records import insert_into, record, values
from ..stores import NewRequest, StoredRequest
from .moments import READING, WRITING, iso

_INSERT = insert_into("rights_requests", NewRequest, "?")


def stored(row: sqlite3.Row) -> StoredRequest:
    return record(StoredRequest, row, READING)


class SqliteRegister:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def _one(self, sql: str, params: tuple[object, ...]) -> StoredRequest | None:
        row = self.db.execute(sql, params).fetchone()
        return stored(row) if row else None

    def duplicate_of(self, fingerprint: str, since: datetime) -> tuple[str, date] | None:
        row = self.db.execute(
            "SELECT reference, due_on FROM rights_requests WHERE fingerprint = ? AND received_at >= ?"
            " ORDER BY received_at DESC LIMIT 1",
            (fingerprint, iso(since)),
        ).fetchone()
        return (row["reference"], date.fromisoformat(row["due_on"])) if row else None

    def set_receipt(self, reference: str, receipt_hash: str) -> None:
        self.db.execute("UPDATE rights_requests SET receipt_hash = ? WHERE reference = ?", (receipt_hash, reference))

    def taken(self, reference: str) -> bool:
        return self.db.execute("SELECT 1 FROM rights_requests WHERE reference = ?", (reference,)).fetchone() is not None

    def insert(self, request: NewRequest) -> None:
        self.db.execute(_INSERT, values(request, WRITING))

    def get(self, reference: str) -> StoredRequest | None:
        return self._one("SELECT * FROM rights_requests WHERE reference = ?", (reference,))

    def by_receipt(self, receipt_hash: str, site: str) -> StoredRequest | None:
        return self._one("SELECT * FROM rights_requests WHERE receipt_hash = ? AND site = ?", (receipt_hash, site))

    def by_confirmation(self, confirm_hash: str, site: str) -> StoredRequest | None:
        return self._one("SELECT * FROM rights_requests WHERE confirm_hash = ? AND site = ?", (confirm_hash, site))

    def every(self, site: str | None = None) -> list[StoredRequest]:
        rows = self.db.execute("SELECT * FROM rights_requests WHERE (? IS NULL OR site = ?)", (site, site))
        return [stored(row) for row in rows]

    def confirm(self, reference: str, now: datetime) -> bool:
        return bool(
            self.db.execute(
                "UPDATE rights_requests SET email_confirmed_at = ? WHERE reference = ? AND email_confirmed_at IS NULL"
                " AND purged_at IS NULL",
                (iso(now), reference),
            ).rowcount
        )

    def close(self, reference: str, now: datetime, outcome: str | None = None, reason: str | None = None) -> bool:
        return bool(
            self.db.execute(
                "UPDATE rights_requests SET status = 'closed', closed_at = ?, outcome = ?, outcome_reason = ?"
                " WHERE reference = ? AND status = 'open'",
                (iso(now), outcome, reason, reference),
            ).rowcount
        )

    def ask_identity(self, reference: str, now: datetime) -> None:
        self.db.execute("UPDATE rights_requests SET identity_asked_at = ? WHERE reference = ?", (iso(now), reference))

    def answered(self, reference: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE rights_requests SET answered_at = ? WHERE reference = ? AND answered_at IS NULL",
            (iso(now), reference),
        )

    def extend(self, reference: str, reason: str, due_on: date, now: datetime) -> None:
        self.db.execute(
            "UPDATE rights_requests SET due_on = ?, extended_at = ?, extension_reason = ? WHERE reference = ?",
            (due_on.isoformat(), iso(now), reason, reference),
        )

    def erase(self, reference: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE rights_requests SET name = NULL, email = NULL, details = NULL, file_reference = NULL,"
            " fingerprint = NULL, confirm_hash = NULL, receipt_hash = NULL, extension_reason = NULL, subject_name = NULL,"
            " outcome_reason = NULL, purged_at = ?"
            " WHERE reference = ?",
            (iso(now), reference),
        )
