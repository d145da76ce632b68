"""What a request's lifecycle keeps in PostgreSQL: its audit trail, its answer files, its one-time codes and the
digest's daily mark (``stores.RightsHistory``, ``AnswerFiles``, ``OneTimeCodes``, ``Digests``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..stores import AnswerFile, HistoryEntry, OneTimeCode
from .register import Connection, changed


def _entry(row: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(row["reference"], row["at"], row["action"], row["operator"], row["detail"])


class PostgresHistory:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def record(self, entry: HistoryEntry) -> None:
        self.connection.execute(
            "INSERT INTO rights_history (reference, at, action, operator, detail) VALUES (%s, %s, %s, %s, %s)",
            (entry.reference, entry.at, entry.action, entry.operator, entry.detail),
        )

    def of_request(self, reference: str) -> list[HistoryEntry]:
        rows = self.connection.execute("SELECT * FROM rights_history WHERE reference = %s ORDER BY id", (reference,))
        return [_entry(row) for row in rows.fetchall()]

    def every(self, since: datetime | None = None) -> list[HistoryEntry]:
        rows = self.connection.execute(
            "SELECT * FROM rights_history WHERE (%s::timestamptz IS NULL OR at >= %s) ORDER BY id", (since, since)
        )
        return [_entry(row) for row in rows.fetchall()]


def _answer(row: dict[str, Any]) -> AnswerFile:
    return AnswerFile(**row)


class PostgresAnswers:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, answer: AnswerFile) -> None:
        self.connection.execute(
            "INSERT INTO rights_answers (file_id, reference, link_hash, size, created_at, expires_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (answer.file_id, answer.reference, answer.link_hash, answer.size, answer.created_at, answer.expires_at),
        )

    def by_link(self, link_hash: str) -> AnswerFile | None:
        row = self.connection.execute("SELECT * FROM rights_answers WHERE link_hash = %s", (link_hash,)).fetchone()
        return _answer(row) if row else None

    def of_request(self, reference: str) -> list[AnswerFile]:
        rows = self.connection.execute(
            "SELECT * FROM rights_answers WHERE reference = %s ORDER BY created_at", (reference,)
        )
        return [_answer(row) for row in rows.fetchall()]

    def downloaded(self, file_id: str, now: datetime) -> None:
        self.connection.execute(
            "UPDATE rights_answers SET downloads = downloads + 1, last_download_at = %s WHERE file_id = %s",
            (now, file_id),
        )

    def expired(self, now: datetime) -> list[AnswerFile]:
        rows = self.connection.execute(
            "SELECT * FROM rights_answers WHERE deleted_at IS NULL AND expires_at <= %s ORDER BY expires_at", (now,)
        )
        return [_answer(row) for row in rows.fetchall()]

    def deleted(self, file_id: str, now: datetime) -> None:
        self.connection.execute("UPDATE rights_answers SET deleted_at = %s WHERE file_id = %s", (now, file_id))


class PostgresCodes:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, reference: str, purpose: str, code_hash: str, now: datetime, expires_at: datetime) -> None:
        self.connection.execute(
            "INSERT INTO rights_codes (reference, purpose, code_hash, created_at, expires_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (reference, purpose, code_hash, now, expires_at),
        )

    def latest(self, reference: str, purpose: str, now: datetime) -> OneTimeCode | None:
        row = self.connection.execute(
            "SELECT * FROM rights_codes WHERE reference = %s AND purpose = %s AND used_at IS NULL AND expires_at > %s"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (reference, purpose, now),
        ).fetchone()
        return OneTimeCode(**row) if row else None

    def issued_since(self, reference: str, purpose: str, since: datetime) -> int:
        row = self.connection.execute(
            "SELECT COUNT(*) AS n FROM rights_codes WHERE reference = %s AND purpose = %s AND created_at >= %s",
            (reference, purpose, since),
        ).fetchone()
        return int(row["n"]) if row else 0

    def attempt(self, code_id: int) -> int:
        row = self.connection.execute(
            "UPDATE rights_codes SET attempts = attempts + 1 WHERE id = %s RETURNING attempts", (code_id,)
        ).fetchone()
        return int(row["attempts"]) if row else 0

    def use(self, code_id: int, now: datetime) -> bool:
        cursor = self.connection.execute(
            "UPDATE rights_codes SET used_at = %s WHERE id = %s AND used_at IS NULL RETURNING 1", (now, code_id)
        )
        return changed(cursor) > 0

    def forget(self, reference: str) -> None:
        self.connection.execute("DELETE FROM rights_codes WHERE reference = %s", (reference,))


class PostgresDigests:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def claim(self, day: date, now: datetime) -> bool:
        # Of two instances inserting the day at once, the second waits for the first's commit, then does nothing.
        cursor = self.connection.execute(
            "INSERT INTO rights_digests (day, sent_at) VALUES (%s, %s) ON CONFLICT (day) DO NOTHING RETURNING 1",
            (day, now),
        )
        return changed(cursor) > 0
