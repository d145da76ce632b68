"""The proof-of-consent log in PostgreSQL (``stores.ConsentLog``); a trigger refuses any UPDATE."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..consent.log import ConsentRecord
from ..records import NATIVE, record
from .register import Connection

_CHOICES = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _record(row: dict[str, Any]) -> ConsentRecord:
    return record(ConsentRecord, row, NATIVE)


class PostgresConsentLog:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def append(self, record: ConsentRecord) -> None:
        self.connection.execute(
            "INSERT INTO consent_log (consent_id, recorded_at, site, revision, banner_hash, language, action,"
            " choices, gpc, channel) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                record.consent_id,
                # To the second, as the entries have always been written (the SQLite log's text).
                record.recorded_at.replace(microsecond=0),
                record.site,
                record.revision,
                record.banner_hash,
                record.language,
                record.action,
                _CHOICES.encode(record.choices),
                record.gpc,
                record.channel,
            ),
        )

    def records(self, site: str, since: datetime | None = None) -> list[ConsentRecord]:
        rows = self.connection.execute(
            "SELECT * FROM consent_log WHERE site = %s AND (%s::timestamptz IS NULL OR recorded_at >= %s)"
            " ORDER BY recorded_at, id",
            (site, since, since),
        ).fetchall()
        return [_record(row) for row in rows]

    def proof_of(self, site: str, consent_id: str, recorded_at: datetime) -> ConsentRecord | None:
        found = self.connection.execute(
            "SELECT * FROM consent_log WHERE consent_id = %s AND recorded_at = %s AND site = %s ORDER BY id LIMIT 1",
            (consent_id, recorded_at.replace(microsecond=0), site),
        ).fetchone()
        return _record(found) if found else None

    def count_before(self, before: datetime) -> int:
        row = self.connection.execute("SELECT COUNT(*) AS n FROM consent_log WHERE recorded_at < %s", (before,))
        found = row.fetchone()
        return int(found["n"]) if found else 0

    def purge(self, before: datetime, at_most: int) -> int:
        return self.connection.execute(
            "DELETE FROM consent_log WHERE id IN (SELECT id FROM consent_log WHERE recorded_at < %s"
            " ORDER BY recorded_at LIMIT %s)",
            (before, at_most),
        ).rowcount
