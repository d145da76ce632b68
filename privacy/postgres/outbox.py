"""The outbox of rights requests' mails in PostgreSQL (``stores.Outbox``). A pass leases due mails with
``FOR UPDATE SKIP LOCKED``: passes on any number of instances never take the same mail, nor wait for each other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..stores import Backlog, OutboxMail, QueuedMail
from .register import Connection, changed

COLUMNS = (
    "id, message_id, reference, kind, recipient, message, draft, created_at, attempts, next_attempt_at,"
    " leased_until, last_error, sent_at, failed_at"
)
_NAMES = [name.strip() for name in COLUMNS.split(",")]


def _mail(row: dict[str, Any]) -> OutboxMail:
    message = row["message"]
    return OutboxMail(**{**row, "message": bytes(message) if message is not None else None})


class PostgresOutbox:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _mails(self, where: str, params: tuple[object, ...] = ()) -> list[OutboxMail]:
        rows = self.connection.execute(f"SELECT {COLUMNS} FROM rights_outbox {where}", params).fetchall()
        return [_mail(row) for row in rows]

    def enqueue(self, mail: QueuedMail, now: datetime) -> None:
        self.connection.execute(
            "INSERT INTO rights_outbox (message_id, reference, kind, recipient, message, draft, created_at,"
            " next_attempt_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (message_id) DO NOTHING",
            (mail.message_id, mail.reference, mail.kind, mail.recipient, mail.message, mail.draft, now, now),
        )

    def lease(self, now: datetime, limit: int, until: datetime) -> list[OutboxMail]:
        # Each mail as it was before this lease (a lease it had before says a pass may have handed it over).
        returned = ", ".join(f"o.{c}" if c != "leased_until" else "due.previous AS leased_until" for c in _NAMES)
        rows = self.connection.execute(
            "WITH due AS (SELECT id, leased_until AS previous FROM rights_outbox"
            " WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= %s"
            " AND (leased_until IS NULL OR leased_until <= %s) ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
            f" UPDATE rights_outbox o SET leased_until = %s FROM due WHERE o.id = due.id RETURNING {returned}",
            (now, now, limit, until),
        ).fetchall()
        return sorted((_mail(row) for row in rows), key=lambda mail: mail.id)

    def renew(self, ids: list[int], until: datetime) -> None:
        self.connection.execute(
            "UPDATE rights_outbox SET leased_until = %s WHERE id = ANY(%s) AND sent_at IS NULL", (until, ids)
        )

    def release(self, ids: list[int]) -> None:
        self.connection.execute(
            "UPDATE rights_outbox SET leased_until = NULL WHERE id = ANY(%s) AND sent_at IS NULL", (ids,)
        )

    def sent(self, mail_id: int, now: datetime) -> None:
        self.connection.execute(
            "UPDATE rights_outbox SET sent_at = %s, attempts = attempts + 1, message = NULL, draft = NULL,"
            " leased_until = NULL, last_error = NULL WHERE id = %s",
            (now, mail_id),
        )

    def keep_message(self, mail_id: int, message: bytes) -> None:
        self.connection.execute("UPDATE rights_outbox SET message = %s, draft = NULL WHERE id = %s", (message, mail_id))

    def failed_attempt(
        self, mail_id: int, attempts: int, error: str, next_attempt_at: datetime, failed_at: datetime | None
    ) -> None:
        self.connection.execute(
            "UPDATE rights_outbox SET attempts = %s, last_error = %s, leased_until = NULL, next_attempt_at = %s,"
            " failed_at = %s WHERE id = %s",
            (attempts, error, next_attempt_at, failed_at, mail_id),
        )

    def resume(self, now: datetime) -> int:
        return changed(
            self.connection.execute(
                "UPDATE rights_outbox SET next_attempt_at = %s WHERE sent_at IS NULL AND failed_at IS NULL"
                " AND next_attempt_at > %s RETURNING 1",
                (now, now),
            )
        )

    def next_due(self) -> datetime | None:
        row = self.connection.execute(
            "SELECT MIN(GREATEST(next_attempt_at, leased_until)) AS due FROM rights_outbox"
            " WHERE sent_at IS NULL AND failed_at IS NULL"
        ).fetchone()
        return row["due"] if row else None

    def backlog(self, now: datetime) -> Backlog:
        row = self.connection.execute(
            "SELECT"
            " COUNT(*) FILTER (WHERE failed_at IS NULL AND (leased_until IS NULL OR leased_until <= %(at)s)) AS a,"
            " MIN(next_attempt_at) FILTER (WHERE failed_at IS NULL AND (leased_until IS NULL OR leased_until <= %(at)s))"
            " AS b,"
            " COUNT(*) FILTER (WHERE failed_at IS NULL AND leased_until > %(at)s) AS c,"
            " MAX(leased_until) FILTER (WHERE failed_at IS NULL AND leased_until > %(at)s) AS d,"
            " COUNT(*) FILTER (WHERE failed_at IS NOT NULL) AS e"
            " FROM rights_outbox WHERE sent_at IS NULL",
            {"at": now},
        ).fetchone()
        assert row is not None
        return Backlog(row["a"], row["b"], row["c"], row["d"], row["e"])

    def unsent(self) -> list[OutboxMail]:
        return self._mails("WHERE sent_at IS NULL ORDER BY failed_at IS NULL, id")

    def of_request(self, reference: str) -> list[OutboxMail]:
        return self._mails("WHERE reference = %s ORDER BY id", (reference,))

    def every(self) -> list[OutboxMail]:
        return self._mails("ORDER BY id")

    def find(self, mail_id: int) -> OutboxMail | None:
        found = self._mails("WHERE id = %s", (mail_id,))
        return found[0] if found else None

    def retry(self, now: datetime, mail_id: int | None = None) -> int:
        return changed(
            self.connection.execute(
                "UPDATE rights_outbox SET failed_at = NULL, attempts = 0, next_attempt_at = %s"
                " WHERE sent_at IS NULL AND (leased_until IS NULL OR leased_until <= %s)"
                " AND (%s::bigint IS NULL OR id = %s) RETURNING 1",
                (now, now, mail_id, mail_id),
            )
        )

    def forget(self, reference: str) -> None:
        self.connection.execute("DELETE FROM rights_outbox WHERE reference = %s", (reference,))
