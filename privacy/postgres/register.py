"""The register of rights requests in PostgreSQL (``stores.RightsRegister``)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import DictRow

from ..records import NATIVE, NATIVE_WRITING, insert_into, record, values
from ..stores import NewRequest, StoredRequest

Connection = psycopg.Connection[DictRow]
_INSERT = insert_into("rights_requests", NewRequest, "%s")


def changed(cursor: psycopg.Cursor[DictRow]) -> int:
    """How many rows a statement ending in ``RETURNING 1`` changed. Read from its rows, not ``rowcount``: in a
    pipelined transaction (``backend.PostgresDatabase``) a statement's count is only known once its result is
    fetched, which fetching its rows does."""
    return len(cursor.fetchall())


def advisory_key(*parts: str | bytes) -> int:
    """A pg_advisory_xact_lock key (a signed 64-bit integer) for what ``parts`` name."""
    digest = hashlib.blake2b(b"\0".join(p.encode() if isinstance(p, str) else p for p in parts), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def stored(row: dict[str, Any]) -> StoredRequest:
    return record(StoredRequest, row, NATIVE)


class PostgresRegister:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _one(self, sql: str, params: tuple[object, ...]) -> StoredRequest | None:
        row = self.connection.execute(sql, params).fetchone()
        return stored(row) if row else None

    def duplicate_of(self, fingerprint: str, since: datetime) -> tuple[str, date] | None:
        # Two instances receiving the same request at once: the second waits for the first's commit, then sees
        # it (READ COMMITTED reads what is committed when each statement starts).
        self.connection.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("rights.fingerprint", fingerprint),))
        row = self.connection.execute(
            "SELECT reference, due_on FROM rights_requests WHERE fingerprint = %s AND received_at >= %s"
            " ORDER BY received_at DESC LIMIT 1",
            (fingerprint, since),
        ).fetchone()
        return (row["reference"], row["due_on"]) if row else None

    def set_receipt(self, reference: str, receipt_hash: str) -> None:
        self.connection.execute(
            "UPDATE rights_requests SET receipt_hash = %s WHERE reference = %s", (receipt_hash, reference)
        )

    def taken(self, reference: str) -> bool:
        found = self.connection.execute("SELECT 1 FROM rights_requests WHERE reference = %s", (reference,))
        return found.fetchone() is not None

    def insert(self, request: NewRequest) -> None:
        self.connection.execute(_INSERT, values(request, NATIVE_WRITING))

    def get(self, reference: str) -> StoredRequest | None:
        return self._one("SELECT * FROM rights_requests WHERE reference = %s", (reference,))

    def by_receipt(self, receipt_hash: str, site: str) -> StoredRequest | None:
        return self._one("SELECT * FROM rights_requests WHERE receipt_hash = %s AND site = %s", (receipt_hash, site))

    def by_confirmation(self, confirm_hash: str, site: str) -> StoredRequest | None:
        return self._one("SELECT * FROM rights_requests WHERE confirm_hash = %s AND site = %s", (confirm_hash, site))

    def every(self, site: str | None = None) -> list[StoredRequest]:
        rows = self.connection.execute(
            "SELECT * FROM rights_requests WHERE (%s::text IS NULL OR site = %s)", (site, site)
        ).fetchall()
        return [stored(row) for row in rows]

    def confirm(self, reference: str, now: datetime) -> bool:
        cursor = self.connection.execute(
            "UPDATE rights_requests SET email_confirmed_at = %s WHERE reference = %s AND email_confirmed_at IS NULL"
            " AND purged_at IS NULL RETURNING 1",
            (now, reference),
        )
        return changed(cursor) > 0

    def close(self, reference: str, now: datetime, outcome: str | None = None, reason: str | None = None) -> bool:
        cursor = self.connection.execute(
            "UPDATE rights_requests SET status = 'closed', closed_at = %s, outcome = %s, outcome_reason = %s"
            " WHERE reference = %s AND status = 'open' RETURNING 1",
            (now, outcome, reason, reference),
        )
        return changed(cursor) > 0

    def ask_identity(self, reference: str, now: datetime) -> None:
        self.connection.execute(
            "UPDATE rights_requests SET identity_asked_at = %s WHERE reference = %s", (now, reference)
        )

    def answered(self, reference: str, now: datetime) -> None:
        self.connection.execute(
            "UPDATE rights_requests SET answered_at = %s WHERE reference = %s AND answered_at IS NULL", (now, reference)
        )

    def extend(self, reference: str, reason: str, due_on: date, now: datetime) -> None:
        self.connection.execute(
            "UPDATE rights_requests SET due_on = %s, extended_at = %s, extension_reason = %s WHERE reference = %s",
            (due_on, now, reason, reference),
        )

    def erase(self, reference: str, now: datetime) -> None:
        self.connection.execute(
            "UPDATE rights_requests SET name = NULL, email = NULL, details = NULL, file_reference = NULL,"
            " fingerprint = NULL, confirm_hash = NULL, receipt_hash = NULL, extension_reason = NULL, subject_name = NULL,"
            " outcome_reason = NULL, purged_at = %s"
            " WHERE reference = %s",
            (now, reference),
        )
