"""The proof-of-consent log in SQLite (``stores.ConsentLog``); an append-only trigger refuses any UPDATE."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from ..consent.log import ConsentRecord
from ..records import record
from .moments import READING, stamp

INSERT = (
    "INSERT INTO consent_log (consent_id, recorded_at, site, revision, banner_hash, language, action, choices,"
    " gpc, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CHOICES = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def row(record: ConsentRecord) -> tuple[object, ...]:
    """The parameters of INSERT for ``record``."""
    return (
        record.consent_id,
        stamp(record.recorded_at),
        record.site,
        record.revision,
        record.banner_hash,
        record.language,
        record.action,
        _CHOICES.encode(record.choices),
        int(record.gpc),
        record.channel,
    )


def _record(found: sqlite3.Row) -> ConsentRecord:
    return record(ConsentRecord, found, READING)


class SqliteConsentLog:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def append(self, record: ConsentRecord) -> None:
        self.db.execute(INSERT, row(record))

    def records(self, site: str, since: datetime | None = None) -> list[ConsentRecord]:
        query = "SELECT * FROM consent_log WHERE site = ?"
        params: list[object] = [site]
        if since is not None:
            query += " AND recorded_at >= ?"
            params.append(stamp(since))
        return [_record(found) for found in self.db.execute(query + " ORDER BY recorded_at, id", params)]

    def proof_of(self, site: str, consent_id: str, recorded_at: datetime) -> ConsentRecord | None:
        found = self.db.execute(
            "SELECT * FROM consent_log WHERE consent_id = ? AND recorded_at = ? AND site = ? ORDER BY id LIMIT 1",
            (consent_id, stamp(recorded_at), site),
        ).fetchone()
        return _record(found) if found else None

    def count_before(self, before: datetime) -> int:
        return int(
            self.db.execute("SELECT COUNT(*) FROM consent_log WHERE recorded_at < ?", (stamp(before),)).fetchone()[0]
        )

    def purge(self, before: datetime, at_most: int) -> int:
        cursor = self.db.execute(
            "DELETE FROM consent_log WHERE id IN (SELECT id FROM consent_log WHERE recorded_at < ?"
            " ORDER BY recorded_at LIMIT ?)",
            (stamp(before), at_most),
        )
        return cursor.rowcount
