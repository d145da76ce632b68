"""Rights requests in SQLite: a request and the mails it sends are committed
in one transaction, before the visitor sees the confirmation.

The reference is random (no count of requests leaks), 12 characters from an
alphabet with no look-alikes, grouped for reading over the phone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..codes import Right
from ..database import register_schema
from ..randomness import random_string, token_urlsafe
from .backlog import state_of
from .moments import iso, moment
from .outbox import Mail, enqueue
from .request import RightsRequest

register_schema(
    "rights_requests",
    """
    CREATE TABLE IF NOT EXISTS rights_requests (
        reference TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        language TEXT NOT NULL,
        rights TEXT NOT NULL,
        relationship TEXT NOT NULL,
        name TEXT,                    -- personal data: NULL once purged
        email TEXT,
        details TEXT,
        file_reference TEXT,
        fingerprint TEXT,             -- keyed hash of the content, to spot a double submission
        received_at TEXT NOT NULL,
        due_on TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        confirm_hash TEXT,            -- sha256 of the nonce in the emailed confirmation link
        receipt_hash TEXT,            -- sha256 of the cookie that shows the confirmation page
        email_confirmed_at TEXT,
        extended_at TEXT,
        extension_reason TEXT,
        closed_at TEXT,
        purged_at TEXT
    );
    CREATE INDEX IF NOT EXISTS rights_requests_fingerprint ON rights_requests (fingerprint, received_at);
    CREATE INDEX IF NOT EXISTS rights_requests_confirm ON rights_requests (confirm_hash);
    CREATE INDEX IF NOT EXISTS rights_requests_receipt ON rights_requests (receipt_hash);
    """,
)

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U
REFERENCE_LENGTH = 12
DUPLICATE_WINDOW = timedelta(minutes=10)


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class StoredRequest:
    reference: str
    site: str
    language: str
    rights: tuple[Right, ...]
    relationship: str
    name: str | None
    email: str | None
    details: str | None
    file_reference: str | None
    received_at: datetime
    due_on: date
    status: str
    email_confirmed_at: datetime | None
    extended_at: datetime | None
    extension_reason: str | None
    closed_at: datetime | None
    purged_at: datetime | None

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_on < today


def _row(row: sqlite3.Row) -> StoredRequest:
    return StoredRequest(
        reference=row["reference"],
        site=row["site"],
        language=row["language"],
        rights=tuple(Right(r) for r in row["rights"].split(",")),
        relationship=row["relationship"],
        name=row["name"],
        email=row["email"],
        details=row["details"],
        file_reference=row["file_reference"],
        received_at=datetime.fromisoformat(row["received_at"]),
        due_on=date.fromisoformat(row["due_on"]),
        status=row["status"],
        email_confirmed_at=moment(row["email_confirmed_at"]),
        extended_at=moment(row["extended_at"]),
        extension_reason=row["extension_reason"],
        closed_at=moment(row["closed_at"]),
        purged_at=moment(row["purged_at"]),
    )


def new_reference() -> str:
    raw = random_string(ALPHABET, REFERENCE_LENGTH)
    return "-".join(raw[i : i + 4] for i in range(0, REFERENCE_LENGTH, 4))


def normalize_reference(typed: str) -> str:
    """What a DPO types (“k7m4 qx9t pw2r”) → the stored form."""
    raw = "".join(c for c in typed.upper() if c.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def fingerprint(key: str, request: RightsRequest) -> str:
    content = json.dumps(
        [
            request.site,
            [r.value for r in request.rights],
            request.name.casefold(),
            request.email.casefold(),
            request.relationship,
            request.details,
            request.file_reference,
        ],
        ensure_ascii=False,
    )
    return hmac.new(key.encode(), content.encode(), hashlib.sha256).hexdigest()


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    if db.in_transaction:
        # Inside a group commit (privacy.database.GroupCommit): its savepoint and transaction hold us.
        yield db
        return
    # IMMEDIATE: take the write lock first, so the duplicate check and the insert cannot interleave.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@dataclass(frozen=True)
class Submitted:
    reference: str
    due_on: date
    duplicate: bool


MailsFor = Callable[[str, str], list[Mail]]  # (reference, confirmation nonce) → mails


def submit(
    db: sqlite3.Connection,
    request: RightsRequest,
    *,
    key: str,
    received_at: datetime,
    due_on: date,
    receipt: str,
    mails: MailsFor,
) -> Submitted:
    """Record a request and queue its mails, or return the one already sent with the same content."""
    mark = fingerprint(key, request)
    with transaction(db):
        existing = db.execute(
            "SELECT reference, due_on FROM rights_requests WHERE fingerprint = ? AND received_at >= ?"
            " ORDER BY received_at DESC LIMIT 1",
            (mark, iso(received_at - DUPLICATE_WINDOW)),
        ).fetchone()
        if existing is not None:
            db.execute(
                "UPDATE rights_requests SET receipt_hash = ? WHERE reference = ?",
                (token_hash(receipt), existing["reference"]),
            )
            return Submitted(existing["reference"], date.fromisoformat(existing["due_on"]), True)
        while True:
            reference = new_reference()
            if db.execute("SELECT 1 FROM rights_requests WHERE reference = ?", (reference,)).fetchone() is None:
                break
        nonce = token_urlsafe(24)
        db.execute(
            "INSERT INTO rights_requests (reference, site, language, rights, relationship, name, email, details,"
            " file_reference, fingerprint, received_at, due_on, confirm_hash, receipt_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                reference,
                request.site,
                request.language,
                ",".join(r.value for r in request.rights),
                request.relationship,
                request.name,
                request.email,
                request.details,
                request.file_reference,
                mark,
                iso(received_at),
                due_on.isoformat(),
                token_hash(nonce),
                token_hash(receipt),
            ),
        )
        for mail in mails(reference, nonce):
            enqueue(db, mail, received_at)
    return Submitted(reference, due_on, False)


def by_receipt(db: sqlite3.Connection, receipt: str, site: str) -> StoredRequest | None:
    row = db.execute(
        "SELECT * FROM rights_requests WHERE receipt_hash = ? AND site = ?", (token_hash(receipt), site)
    ).fetchone()
    return _row(row) if row else None


def by_confirmation(db: sqlite3.Connection, nonce: str, site: str) -> StoredRequest | None:
    row = db.execute(
        "SELECT * FROM rights_requests WHERE confirm_hash = ? AND site = ?", (token_hash(nonce), site)
    ).fetchone()
    return _row(row) if row else None


def confirm(db: sqlite3.Connection, reference: str, now: datetime, mail: Callable[[], Mail]) -> bool:
    """Record the address as confirmed and tell the DPO; False when it already was."""
    with transaction(db):
        changed = db.execute(
            "UPDATE rights_requests SET email_confirmed_at = ? WHERE reference = ? AND email_confirmed_at IS NULL"
            " AND purged_at IS NULL",
            (iso(now), reference),
        ).rowcount
        if changed:
            enqueue(db, mail(), now)
    return bool(changed)


def get(db: sqlite3.Connection, reference: str) -> StoredRequest:
    row = db.execute("SELECT * FROM rights_requests WHERE reference = ?", (normalize_reference(reference),)).fetchone()
    if row is None:
        raise NotFound(reference)
    return _row(row)


def listing(db: sqlite3.Connection, today: date, site: str | None = None) -> list[StoredRequest]:
    """Overdue first, then open by due date, then closed (latest first)."""
    rows = db.execute("SELECT * FROM rights_requests WHERE (? IS NULL OR site = ?)", (site, site)).fetchall()
    requests = [_row(r) for r in rows]
    return sorted(
        requests,
        key=lambda r: (
            0 if r.overdue(today) else 1 if r.status == "open" else 2,
            r.due_on.toordinal() if r.status == "open" else -r.received_at.timestamp(),
        ),
    )


def close(db: sqlite3.Connection, reference: str, now: datetime) -> bool:
    with transaction(db):
        changed = db.execute(
            "UPDATE rights_requests SET status = 'closed', closed_at = ? WHERE reference = ? AND status = 'open'",
            (iso(now), reference),
        ).rowcount
    return bool(changed)


def extend(db: sqlite3.Connection, reference: str, reason: str, due_on: date, now: datetime, mail: Mail) -> None:
    with transaction(db):
        db.execute(
            "UPDATE rights_requests SET due_on = ?, extended_at = ?, extension_reason = ? WHERE reference = ?",
            (due_on.isoformat(), iso(now), reason, reference),
        )
        enqueue(db, mail, now)


def purge(db: sqlite3.Connection, reference: str, now: datetime) -> None:
    """Erase what identifies the person; keep the facts a DPO must account for (rights, dates, status)."""
    with transaction(db):
        db.execute(
            "UPDATE rights_requests SET name = NULL, email = NULL, details = NULL, file_reference = NULL,"
            " fingerprint = NULL, confirm_hash = NULL, receipt_hash = NULL, extension_reason = NULL, purged_at = ?"
            " WHERE reference = ?",
            (iso(now), reference),
        )
        db.execute("DELETE FROM rights_outbox WHERE reference = ?", (reference,))


def mail_status(db: sqlite3.Connection, reference: str) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT id, kind, attempts, last_error, sent_at, failed_at, next_attempt_at, leased_until FROM rights_outbox"
        " WHERE reference = ? ORDER BY id",
        (reference,),
    ).fetchall()


def mail_states(db: sqlite3.Connection, now: datetime) -> dict[str, dict[str, int]]:
    """reference → how many of its mails are sent, waiting, held, failed (backlog.state_of)."""
    states: dict[str, dict[str, int]] = {}
    for row in db.execute("SELECT reference, sent_at, failed_at, leased_until FROM rights_outbox"):
        counts = states.setdefault(row["reference"], {"sent": 0, "waiting": 0, "held": 0, "failed": 0})
        counts[state_of(row, now)] += 1
    return states
