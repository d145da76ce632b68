"""What a request's lifecycle keeps in SQLite: its audit trail, its answer files, its one-time codes and the
digest's daily mark (``stores.RightsHistory``, ``AnswerFiles``, ``OneTimeCodes``, ``Digests``)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from ..records import record
from ..stores import AnswerFile, HistoryEntry, OneTimeCode
from .moments import READING, iso


class SqliteHistory:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def record(self, entry: HistoryEntry) -> None:
        self.db.execute(
            "INSERT INTO rights_history (reference, at, action, operator, detail) VALUES (?, ?, ?, ?, ?)",
            (entry.reference, iso(entry.at), entry.action, entry.operator, entry.detail),
        )

    def _entries(self, rows: sqlite3.Cursor) -> list[HistoryEntry]:
        return [record(HistoryEntry, row, READING) for row in rows]

    def of_request(self, reference: str) -> list[HistoryEntry]:
        return self._entries(
            self.db.execute("SELECT * FROM rights_history WHERE reference = ? ORDER BY id", (reference,))
        )

    def every(self, since: datetime | None = None) -> list[HistoryEntry]:
        return self._entries(
            self.db.execute(
                "SELECT * FROM rights_history WHERE (? IS NULL OR at >= ?) ORDER BY id",
                (iso(since) if since else None, iso(since) if since else None),
            )
        )


def _answer(row: sqlite3.Row) -> AnswerFile:
    return record(AnswerFile, row, READING)


class SqliteAnswers:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def add(self, answer: AnswerFile) -> None:
        self.db.execute(
            "INSERT INTO rights_answers (file_id, reference, link_hash, size, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                answer.file_id,
                answer.reference,
                answer.link_hash,
                answer.size,
                iso(answer.created_at),
                iso(answer.expires_at),
            ),
        )

    def by_link(self, link_hash: str) -> AnswerFile | None:
        row = self.db.execute("SELECT * FROM rights_answers WHERE link_hash = ?", (link_hash,)).fetchone()
        return _answer(row) if row else None

    def of_request(self, reference: str) -> list[AnswerFile]:
        rows = self.db.execute("SELECT * FROM rights_answers WHERE reference = ? ORDER BY created_at", (reference,))
        return [_answer(row) for row in rows]

    def downloaded(self, file_id: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE rights_answers SET downloads = downloads + 1, last_download_at = ? WHERE file_id = ?",
            (iso(now), file_id),
        )

    def expired(self, now: datetime) -> list[AnswerFile]:
        rows = self.db.execute(
            "SELECT * FROM rights_answers WHERE deleted_at IS NULL AND expires_at <= ? ORDER BY expires_at", (iso(now),)
        )
        return [_answer(row) for row in rows]

    def deleted(self, file_id: str, now: datetime) -> None:
        self.db.execute("UPDATE rights_answers SET deleted_at = ? WHERE file_id = ?", (iso(now), file_id))


def _code(row: sqlite3.Row) -> OneTimeCode:
    return record(OneTimeCode, row, READING)


class SqliteCodes:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def add(self, reference: str, purpose: str, code_hash: str, now: datetime, expires_at: datetime) -> None:
        self.db.execute(
            "INSERT INTO rights_codes (reference, purpose, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (reference, purpose, code_hash, iso(now), iso(expires_at)),
        )

    def latest(self, reference: str, purpose: str, now: datetime) -> OneTimeCode | None:
        row = self.db.execute(
            "SELECT * FROM rights_codes WHERE reference = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (reference, purpose, iso(now)),
        ).fetchone()
        return _code(row) if row else None

    def issued_since(self, reference: str, purpose: str, since: datetime) -> int:
        row = self.db.execute(
            "SELECT COUNT(*) FROM rights_codes WHERE reference = ? AND purpose = ? AND created_at >= ?",
            (reference, purpose, iso(since)),
        ).fetchone()
        return int(row[0])

    def attempt(self, code_id: int) -> int:
        self.db.execute("UPDATE rights_codes SET attempts = attempts + 1 WHERE id = ?", (code_id,))
        return int(self.db.execute("SELECT attempts FROM rights_codes WHERE id = ?", (code_id,)).fetchone()[0])

    def use(self, code_id: int, now: datetime) -> bool:
        return bool(
            self.db.execute(
                "UPDATE rights_codes SET used_at = ? WHERE id = ? AND used_at IS NULL", (iso(now), code_id)
            ).rowcount
        )

    def forget(self, reference: str) -> None:
        self.db.execute("DELETE FROM rights_codes WHERE reference = ?", (reference,))


class SqliteDigests:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def claim(self, day: date, now: datetime) -> bool:
        # In the caller's BEGIN IMMEDIATE: of two instances, the first inserts the day, the second finds it.
        return bool(
            self.db.execute(
                "INSERT INTO rights_digests (day, sent_at) VALUES (?, ?) ON CONFLICT (day) DO NOTHING",
                (day.isoformat(), iso(now)),
            ).rowcount
        )
