"""The transactional outbox: mails are rows written with the request they are
about, then delivered by a worker, retried with exponential backoff.

A mail may be queued as a draft: what it needs beyond the stored request (a
link), written in the request's transaction; the worker composes the message
(``compose``) just before the first hand-over. Composing MIME messages costs
milliseconds, which the visitor no longer waits for, and nothing is lost: the
request and its drafts are committed before the visitor is answered.

Each mail is recorded as sent as soon as it is handed over, so a crash between
the two re-sends at most the one mail in flight; each mail has a stable
Message-ID, so the Maildir refuses that second copy and an SMTP recipient can
recognise it. A pass leases the mails it takes for one mail's time limit,
renewed as each one is recorded: a pass killed mid-way holds nothing for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..database import add_missing_column, register_schema
from .moments import iso
from .transport import PermanentFailure, Transport

log = logging.getLogger("privacy.rights.outbox")

register_schema(
    "rights_outbox",
    """
    CREATE TABLE IF NOT EXISTS rights_outbox (
        id INTEGER PRIMARY KEY,
        message_id TEXT NOT NULL UNIQUE,
        reference TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipient TEXT NOT NULL,
        message BLOB,                 -- cleared once sent: the request row keeps the facts
        draft TEXT,                   -- JSON: what composing the message needs beyond the request row
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        leased_until TEXT,
        last_error TEXT,              -- an error class and SMTP code, never the server's text
        sent_at TEXT,
        failed_at TEXT
    );
    CREATE INDEX IF NOT EXISTS rights_outbox_due ON rights_outbox (sent_at, failed_at, next_attempt_at);
    CREATE INDEX IF NOT EXISTS rights_outbox_reference ON rights_outbox (reference);
    """,
    upgrade=lambda db: add_missing_column(db, "rights_outbox", "draft", "TEXT"),
)

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
# About three days of retries before a mail is marked failed for the DPO to see.
MAX_ATTEMPTS = 16


@dataclass(frozen=True)
class Mail:
    message_id: str
    reference: str
    kind: str  # "dpo", "acknowledgment", "confirmed", "extension"
    recipient: str
    message: bytes | None  # None: a draft, composed by the worker
    draft: str | None = None


# Composes a draft's message from its outbox row, on the worker's connection.
Compose = Callable[[sqlite3.Connection, sqlite3.Row], bytes]


class NothingToCompose(Exception):
    """A row with neither a message nor a draft (or no ``compose`` for it)."""


@dataclass
class Pass:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def enqueue(db: sqlite3.Connection, mail: Mail, now: datetime) -> None:
    """Queue a mail; call inside the transaction that records what it is about."""
    db.execute(
        "INSERT OR IGNORE INTO rights_outbox (message_id, reference, kind, recipient, message, draft, created_at,"
        " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (mail.message_id, mail.reference, mail.kind, mail.recipient, mail.message, mail.draft, iso(now), iso(now)),
    )


def _rollback(db: sqlite3.Connection) -> None:
    # A full or failing disk may have undone the transaction already, or refuse the ROLLBACK: the error that
    # stopped the transaction is the one to report.
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def backoff(attempts: int) -> timedelta:
    delay: timedelta = BASE_DELAY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_DELAY)


@dataclass(frozen=True)
class Claimed:
    id: int
    message_id: str
    recipient: str
    message: bytes | None
    attempts: int
    leased_until: str | None
    tried: bool = False  # an earlier attempt failed (its error is kept), or it was retried by hand since
    error: Exception | None = None  # composing its draft failed
    composed: bool = False  # composed from its draft in this pass: to be stored unless sent


def _claim(
    db: sqlite3.Connection, now: datetime, limit: int, lease: timedelta, compose: Compose | None = None
) -> list[Claimed]:
    """Lease due mails, then compose the drafts among them (outside the lease's transaction: composing
    takes a millisecond a mail, and requests being committed must not wait for it)."""
    return [_composed(db, row, compose) for row in _lease(db, now, limit, lease)]


def _lease(db: sqlite3.Connection, now: datetime, limit: int, lease: timedelta) -> list[sqlite3.Row]:
    """Lease due mails, so a `deliver` pass and the server's worker never send the same one at once.

    A lease outlives a crash of its holder: the mails wait until it runs out, so it is
    kept short (the transport's time limit for one mail) and renewed as each mail is recorded.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        rows = db.execute(
            "SELECT id, message_id, reference, kind, recipient, message, draft, attempts, leased_until, last_error"
            " FROM rights_outbox"
            " WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
            " AND (leased_until IS NULL OR leased_until <= ?) ORDER BY id LIMIT ?",
            (iso(now), iso(now), limit),
        ).fetchall()
        db.executemany(
            "UPDATE rights_outbox SET leased_until = ? WHERE id = ?", [(iso(now + lease), r["id"]) for r in rows]
        )
        db.execute("COMMIT")
    except BaseException:
        _rollback(db)
        raise
    return rows


def _composed(db: sqlite3.Connection, row: sqlite3.Row, compose: Compose | None) -> Claimed:
    """The row with its message, composed from its draft when it has none yet. A composed message is stored
    with the hand-over's outcome (``_record``), so every retry hands over the very same bytes."""
    message, error = row["message"], None
    if message is None:
        try:
            if row["draft"] is None or compose is None:
                raise NothingToCompose(row["kind"])
            message = compose(db, row)
        except Exception as failure:  # recorded as this mail's failure, retried like a refused hand-over
            error = failure
    return Claimed(
        row["id"],
        row["message_id"],
        row["recipient"],
        message,
        row["attempts"],
        row["leased_until"],
        row["last_error"] is not None,
        error,
        composed=row["message"] is None and message is not None,
    )


def _describe(error: Exception) -> str:
    code = getattr(error, "code", None)
    return f"{type(error).__name__}{f' {code}' if isinstance(code, int) else ''}"


async def deliver_due(
    db: sqlite3.Connection,
    transport: Transport,
    sender: str,
    batch: int = 20,
    compose: Compose | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> Pass:
    """One pass over the due mails.

    Each mail's outcome is recorded as soon as it is known, in the same transaction that renews the lease of
    the mails still to go. The database work (synchronous=FULL commits, each a disk sync) runs in a thread, so
    the server's event loop keeps answering meanwhile. When ``stopping`` says so, the pass ends after the mail
    in flight and lets go of the others.
    """
    result = Pass()
    while True:
        rows = await asyncio.to_thread(_claim, db, datetime.now(UTC), batch, transport.lease, compose)
        if not rows:
            return result
        for index, row in enumerate(rows):
            if stopping():
                await asyncio.to_thread(_release, db, [r.id for r in rows[index:]])
                return result
            failure = await _hand_over(transport, sender, row)
            if failure is None:
                result.sent += 1
            else:
                if isinstance(failure, PermanentFailure) or row.attempts + 1 >= MAX_ATTEMPTS:
                    result.failed += 1
                else:
                    result.retrying += 1
                # Only the error's class and code: an SMTP reply may quote the recipient's address.
                log.warning("mail %s not delivered (%s, attempt %d)", row.id, _describe(failure), row.attempts + 1)
            await asyncio.to_thread(_record, db, row, failure, [r.id for r in rows[index + 1 :]], transport.lease)
        if len(rows) < batch:
            return result


async def _hand_over(transport: Transport, sender: str, row: Claimed) -> Exception | None:
    """None once the mail is handed over and durable there, else why not."""
    if row.error is not None or row.message is None:
        return row.error or NothingToCompose()
    # A mail tried or leased before may have been handed over by a pass that crashed before recording it.
    again = row.attempts > 0 or row.leased_until is not None or row.tried
    try:
        await transport.send(row.message_id, sender, row.recipient, row.message, again=again)
        await transport.settle()  # a mail is recorded as sent only once it is on disk
    except Exception as refused:  # every failure is retried or recorded, never lost
        return refused
    return None


def _release(db: sqlite3.Connection, ids: list[int]) -> None:
    """Lets go of leased mails a stopping pass will not try: the next start sends them at once."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany(
            "UPDATE rights_outbox SET leased_until = NULL WHERE id = ? AND sent_at IS NULL", [(id_,) for id_ in ids]
        )
        db.execute("COMMIT")
    except BaseException:
        _rollback(db)
        raise


def _record(
    db: sqlite3.Connection, row: Claimed, error: Exception | None, still_to_go: list[int], lease: timedelta
) -> None:
    now = datetime.now(UTC)
    db.execute("BEGIN IMMEDIATE")
    try:
        if error is None:
            db.execute(
                "UPDATE rights_outbox SET sent_at = ?, attempts = attempts + 1, message = NULL, draft = NULL,"
                " leased_until = NULL, last_error = NULL WHERE id = ?",
                (iso(now), row.id),
            )
        else:
            attempts = row.attempts + 1
            permanent = isinstance(error, PermanentFailure) or attempts >= MAX_ATTEMPTS
            if row.composed:
                db.execute("UPDATE rights_outbox SET message = ?, draft = NULL WHERE id = ?", (row.message, row.id))
            db.execute(
                "UPDATE rights_outbox SET attempts = ?, last_error = ?, leased_until = NULL,"
                " next_attempt_at = ?, failed_at = ? WHERE id = ?",
                (attempts, _describe(error), iso(now + backoff(attempts)), iso(now) if permanent else None, row.id),
            )
        # The next mail starts now: the rest of the batch is held for one more mail's time limit.
        db.executemany(
            "UPDATE rights_outbox SET leased_until = ? WHERE id = ? AND sent_at IS NULL",
            [(iso(now + lease), id_) for id_ in still_to_go],
        )
        db.execute("COMMIT")
    except BaseException:
        _rollback(db)
        raise


def resume(db: sqlite3.Connection, now: datetime) -> int:
    """At a server's start: mails waiting out a backoff are tried at once (a restart is often the fix of
    what made them fail). Failed mails wait for the DPO's ``mail retry``."""
    return db.execute(
        "UPDATE rights_outbox SET next_attempt_at = ? WHERE sent_at IS NULL AND failed_at IS NULL"
        " AND next_attempt_at > ?",
        (iso(now), iso(now)),
    ).rowcount


def next_due(db: sqlite3.Connection) -> datetime | None:
    row = db.execute(
        "SELECT MIN(MAX(next_attempt_at, COALESCE(leased_until, ''))) FROM rights_outbox"
        " WHERE sent_at IS NULL AND failed_at IS NULL"
    ).fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


class Worker:
    """Delivers inside the server: woken at once by a new mail, else when the next retry is due."""

    pause_after_failure = 5.0

    def __init__(
        self,
        db: sqlite3.Connection,
        transport: Transport,
        sender: str,
        idle: float = 60.0,
        compose: Compose | None = None,
    ) -> None:
        self.db = db
        self.compose = compose
        self.transport = transport
        self.sender = sender
        self.idle = idle
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        try:
            await asyncio.to_thread(resume, self.db, datetime.now(UTC))
        except sqlite3.Error as error:  # a full or read-only disk: the mails keep their schedule
            log.error("the outbox could not bring waiting mails forward (%s)", error)
        while not self._stopping:
            self._wake.clear()
            failed = True
            try:
                await deliver_due(
                    self.db, self.transport, self.sender, compose=self.compose, stopping=lambda: self._stopping
                )
                due = await asyncio.to_thread(next_due, self.db)
                failed = False
            except sqlite3.Error as error:  # a locked, full or read-only database must not stop the worker
                log.error("the outbox pass failed (%s); it will run again", error)
            except Exception:
                log.exception("the outbox pass failed; it will run again")
            wait = self.idle
            if failed:
                wait = self.pause_after_failure  # not at once: the disk is unlikely to be fixed in a moment
            elif due is not None:
                wait = min(wait, max((due - datetime.now(UTC)).total_seconds(), 0.05))
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation that
            # arrives as the event is set, and the server's shutdown then waited for the next pass.
            try:
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            except TimeoutError:
                pass

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="rights outbox")

    async def stop(self) -> None:
        """Lets the mail in flight be handed over and recorded (a thread cannot be cancelled: a commit left
        running would land after the server's last checkpoint), within one mail's time limit."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                async with asyncio.timeout(self.transport.lease.total_seconds()):
                    await asyncio.shield(self._task)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
