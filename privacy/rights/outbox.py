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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from ..stores import Commits, OutboxMail, QueuedMail, RightsDatabase, RightsSession, StorageFailed
from .transport import PermanentFailure, Transport

log = logging.getLogger("privacy.rights.outbox")

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
# About three days of retries before a mail is marked failed for the DPO to see.
MAX_ATTEMPTS = 16


Mail = QueuedMail
# Composes a draft's message from its outbox row, reading the request it is about as stored through the session
# of the pass's reading transaction.
Compose = Callable[[OutboxMail, RightsSession], bytes]


class NothingToCompose(Exception):
    """A row with neither a message nor a draft (or no ``compose`` for it)."""


@dataclass
class Pass:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def enqueue(session: RightsSession, mail: Mail, now: datetime) -> None:
    """Queue a mail; call inside the transaction that records what it is about."""
    session.outbox.enqueue(mail, now)


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
    leased_until: datetime | None
    tried: bool = False  # an earlier attempt failed (its error is kept), or it was retried by hand since
    error: Exception | None = None  # composing its draft failed
    composed: bool = False  # composed from its draft in this pass: to be stored unless sent


def _claim(
    database: RightsDatabase, now: datetime, limit: int, lease: timedelta, compose: Compose | None = None
) -> list[Claimed]:
    """Lease due mails, then compose the drafts among them (outside the lease's transaction: composing
    takes a millisecond a mail, and requests being committed must not wait for it), in one reading
    transaction for the batch, which keeps no writer waiting.

    The lease is what keeps a ``deliver`` pass, the server's worker and every other instance from sending the
    same mail at once. It outlives a crash of its holder: the mails wait until it runs out, so it is kept short
    (the transport's time limit for one mail) and renewed as each mail is recorded.
    """
    with database.transaction() as session:
        mails = session.outbox.lease(now, limit, now + lease)
    if compose is None or all(mail.message is not None for mail in mails):
        return [_composed(mail, None, None) for mail in mails]
    with database.transaction(reading=True) as reading:
        return [_composed(mail, compose, reading) for mail in mails]


def _composed(mail: OutboxMail, compose: Compose | None, session: RightsSession | None) -> Claimed:
    """The mail with its message, composed from its draft when it has none yet. A composed message is stored
    with the hand-over's outcome (``_record``), so every retry hands over the very same bytes."""
    message, error = mail.message, None
    if message is None:
        try:
            if mail.draft is None or compose is None or session is None:
                raise NothingToCompose(mail.kind)
            message = compose(mail, session)
        except Exception as failure:  # recorded as this mail's failure, retried like a refused hand-over
            error = failure
    return Claimed(
        mail.id,
        mail.message_id,
        mail.recipient,
        message,
        mail.attempts,
        mail.leased_until,
        mail.last_error is not None,
        error,
        composed=mail.message is None and message is not None,
    )


def _describe(error: Exception) -> str:
    code = getattr(error, "code", None)
    return f"{type(error).__name__}{f' {code}' if isinstance(code, int) else ''}"


async def deliver_due(
    database: RightsDatabase,
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
        rows = await asyncio.to_thread(_claim, database, datetime.now(UTC), batch, transport.lease, compose)
        if not rows:
            return result
        for index, row in enumerate(rows):
            if stopping():
                await database.run(partial(_release, ids=[r.id for r in rows[index:]]))
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
            still_to_go = [r.id for r in rows[index + 1 :]]
            await database.run(partial(_record, row=row, error=failure, still_to_go=still_to_go, lease=transport.lease))
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


def _release(session: RightsSession, ids: list[int]) -> None:
    """Lets go of leased mails a stopping pass will not try: the next start sends them at once."""
    session.outbox.release(ids)


def _record(
    session: RightsSession, row: Claimed, error: Exception | None, still_to_go: list[int], lease: timedelta
) -> None:
    now = datetime.now(UTC)
    outbox = session.outbox
    if error is None:
        outbox.sent(row.id, now)
    else:
        attempts = row.attempts + 1
        permanent = isinstance(error, PermanentFailure) or attempts >= MAX_ATTEMPTS
        if row.composed and row.message is not None:
            outbox.keep_message(row.id, row.message)
        outbox.failed_attempt(row.id, attempts, _describe(error), now + backoff(attempts), now if permanent else None)
    # The next mail starts now: the rest of the batch is held for one more mail's time limit.
    if still_to_go:
        outbox.renew(still_to_go, now + lease)


def resume(session: RightsSession, now: datetime) -> int:
    """At a server's start: mails waiting out a backoff are tried at once (a restart is often the fix of
    what made them fail). Failed mails wait for the DPO's ``mail retry``."""
    return session.outbox.resume(now)


class Worker:
    """Delivers inside the server: woken at once by a new mail, else when the next retry is due."""

    pause_after_failure = 5.0

    def __init__(
        self,
        database: RightsDatabase,
        transport: Transport,
        sender: str,
        idle: float = 60.0,
        compose: Compose | None = None,
        commits: Commits | None = None,
    ) -> None:
        self.database = database
        self.compose = compose
        self.transport = transport
        self.sender = sender
        self.idle = idle
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Another process's commits (a mail queued by the DPO's command) wake it too: see stores.Commits.
        self.commits = commits
        self._listening: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        try:
            now = datetime.now(UTC)
            await self.database.run(lambda session: resume(session, now))
        except StorageFailed as error:  # a full or read-only disk: the mails keep their schedule
            log.error("the outbox could not bring waiting mails forward (%s)", error)
        while not self._stopping:
            self._wake.clear()
            failed = True
            try:
                await deliver_due(
                    self.database, self.transport, self.sender, compose=self.compose, stopping=lambda: self._stopping
                )
                due = await self.database.run(lambda session: session.outbox.next_due())
                failed = False
            except StorageFailed as error:  # a locked, full or read-only database must not stop the worker
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

    async def _listen(self, commits: Commits) -> None:
        while not self._stopping:
            await commits.next()
            self._wake.set()

    def start(self) -> None:
        self._stopping = False
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), name="rights outbox")
        if self.commits is not None:
            self._listening = loop.create_task(self._listen(self.commits), name="rights outbox: commits elsewhere")

    async def stop(self) -> None:
        """Lets the mail in flight be handed over and recorded (a thread cannot be cancelled: a commit left
        running would land after the server's last checkpoint), within one mail's time limit."""
        self._stopping = True
        self._wake.set()
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
            self._listening = None
            if self.commits is not None:
                self.commits.close()
        if self._task is not None:
            try:
                async with asyncio.timeout(self.transport.lease.total_seconds()):
                    await asyncio.shield(self._task)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
