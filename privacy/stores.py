"""What the features keep, behind small typed interfaces: the proof-of-consent log, the register of rights
requests, the outbox of their mails, the rate limits' counters and the record of scheduled runs.

Each backend (``privacy/sqlite/``, ``privacy/postgres/``) implements these with its own SQL, beside its code; a
feature only ever sees these types, never a driver's connection or row. A feature works in a *session*: one
transaction's view of its database (``RightsSession``, ``ConsentSession``). Its ``Database`` runs that work
either in a group commit (``write``: the request path, answered once the transaction is durable), in a thread
on a connection of its own (``run``: the outbox worker, the purges), or inline (``transaction``: the DPO's
commands).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TypeVar

from .codes import Right

if TYPE_CHECKING:
    from .consent.log import ConsentRecord
    from .rate_limits import RateLimits

T = TypeVar("T")
S = TypeVar("S", covariant=True)


class StorageFailed(Exception):
    """A read or write the database refused (a full or read-only disk, a lost connection): nothing of the
    transaction it was part of was kept. The text is the database's own, which holds no personal data."""


class StorageRefused(Exception):
    """A database the server must not start on (damaged, not migrated, made by a newer version); ``message`` is
    a catalog id, said to the operator in their language (``i18n.say``)."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class NewRequest:
    """A rights request as the register first records it (its hashes: never the tokens themselves)."""

    reference: str
    site: str
    language: str
    rights: str  # comma-separated Right values
    relationship: str
    name: str
    email: str
    details: str
    file_reference: str
    fingerprint: str
    received_at: datetime
    due_on: date
    confirm_hash: str
    receipt_hash: str
    acting_for: str = "self"  # privacy.rights.request.ACTING_FOR
    subject_name: str | None = None  # the person the request is about, when another acts for them


@dataclass(frozen=True)
class StoredRequest:
    """A rights request as the register holds it."""

    reference: str
    site: str
    language: str
    rights: tuple[Right, ...]
    relationship: str
    name: str | None  # personal data: None once purged
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
    acting_for: str = "self"
    subject_name: str | None = None  # personal data: None once purged
    identity_asked_at: datetime | None = None
    answered_at: datetime | None = None  # the first answer sent
    outcome: str | None = None  # privacy.rights.lifecycle.Outcome, once closed; kept after the purge
    outcome_reason: str | None = None  # free text, told to the requester: None once purged

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_on < today


class RightsRegister(Protocol):
    """The register of rights requests, inside one transaction."""

    def duplicate_of(self, fingerprint: str, since: datetime) -> tuple[str, date] | None:
        """The reference and due date of the latest request with this fingerprint received since ``since``."""

    def set_receipt(self, reference: str, receipt_hash: str) -> None: ...

    def taken(self, reference: str) -> bool: ...

    def insert(self, request: NewRequest) -> None: ...

    def get(self, reference: str) -> StoredRequest | None: ...

    def by_receipt(self, receipt_hash: str, site: str) -> StoredRequest | None: ...

    def by_confirmation(self, confirm_hash: str, site: str) -> StoredRequest | None: ...

    def every(self, site: str | None = None) -> list[StoredRequest]: ...

    def confirm(self, reference: str, now: datetime) -> bool:
        """Marks the address confirmed; False when it already was, or the request was purged."""

    def close(self, reference: str, now: datetime, outcome: str | None = None, reason: str | None = None) -> bool:
        """Closes an open request with its outcome; False when it was closed already."""

    def ask_identity(self, reference: str, now: datetime) -> None: ...

    def answered(self, reference: str, now: datetime) -> None:
        """Records the first answer sent (a second one leaves the date as it is)."""

    def extend(self, reference: str, reason: str, due_on: date, now: datetime) -> None: ...

    def erase(self, reference: str, now: datetime) -> None:
        """Erases what identifies the person, keeping what a DPO must account for (rights, dates, status)."""


@dataclass(frozen=True)
class QueuedMail:
    """A mail to queue with the request it is about."""

    message_id: str
    reference: str
    kind: str  # "dpo", "acknowledgment", "confirmed", "extension"
    recipient: str
    message: bytes | None  # None: a draft, composed by the worker
    draft: str | None = None


@dataclass(frozen=True)
class OutboxMail:
    """A mail of the outbox as stored."""

    id: int
    message_id: str
    reference: str
    kind: str
    recipient: str
    message: bytes | None
    draft: str | None
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    leased_until: datetime | None
    last_error: str | None
    sent_at: datetime | None
    failed_at: datetime | None


@dataclass(frozen=True)
class Backlog:
    """What is left in the outbox: mails waiting for their next attempt, held by a pass under way (or by one
    that stopped without finishing, until its lease runs out), and failed for good until retried by hand."""

    waiting: int
    next_attempt: datetime | None
    held: int
    held_until: datetime | None
    failed: int

    @property
    def empty(self) -> bool:
        return not (self.waiting or self.held or self.failed)


class Outbox(Protocol):
    """The mails of rights requests, inside one transaction."""

    def enqueue(self, mail: QueuedMail, now: datetime) -> None:
        """Queues a mail (a second one with the same Message-ID is ignored)."""

    def lease(self, now: datetime, limit: int, until: datetime) -> list[OutboxMail]:
        """Takes up to ``limit`` due mails no one holds, held until ``until``: no other pass, on any instance,
        takes them meanwhile."""

    def renew(self, ids: list[int], until: datetime) -> None: ...

    def release(self, ids: list[int]) -> None: ...

    def sent(self, mail_id: int, now: datetime) -> None: ...

    def keep_message(self, mail_id: int, message: bytes) -> None:
        """Stores the message composed from a draft, so that every retry hands over the same bytes."""

    def failed_attempt(
        self, mail_id: int, attempts: int, error: str, next_attempt_at: datetime, failed_at: datetime | None
    ) -> None: ...

    def resume(self, now: datetime) -> int:
        """Makes mails waiting out a backoff due now; how many."""

    def next_due(self) -> datetime | None: ...

    def backlog(self, now: datetime) -> Backlog: ...

    def unsent(self) -> list[OutboxMail]:
        """Every mail not sent yet, failed ones first, then in the order they were queued."""

    def of_request(self, reference: str) -> list[OutboxMail]: ...

    def every(self) -> list[OutboxMail]: ...

    def find(self, mail_id: int) -> OutboxMail | None: ...

    def retry(self, now: datetime, mail_id: int | None = None) -> int:
        """Makes failed (and waiting) mails due now with a fresh round of attempts, except those held."""

    def forget(self, reference: str) -> None:
        """Deletes every mail about ``reference`` (its request was purged)."""


@dataclass(frozen=True)
class HistoryEntry:
    """One action on a request, as the audit trail keeps it: nothing personal, only who did what, when."""

    reference: str
    at: datetime
    action: str  # privacy.rights.lifecycle.Action
    operator: str  # the operator's account, "requester" or "server"
    detail: str = ""  # an outcome, a new due date, a count: never what a person wrote


class RightsHistory(Protocol):
    """The audit trail of rights requests: appended, never changed or deleted (the database refuses)."""

    def record(self, entry: HistoryEntry) -> None: ...

    def of_request(self, reference: str) -> list[HistoryEntry]:
        """Oldest first."""

    def every(self, since: datetime | None = None) -> list[HistoryEntry]: ...


@dataclass(frozen=True)
class AnswerFile:
    """An answer sealed in the vault (privacy/rights/vault.py), reached by the emailed link's random token."""

    file_id: str
    reference: str
    link_hash: str  # sha256 of the link's token: never the token
    size: int
    created_at: datetime
    expires_at: datetime
    downloads: int = 0
    last_download_at: datetime | None = None
    deleted_at: datetime | None = None


class AnswerFiles(Protocol):
    def add(self, answer: AnswerFile) -> None: ...

    def by_link(self, link_hash: str) -> AnswerFile | None: ...

    def of_request(self, reference: str) -> list[AnswerFile]: ...

    def downloaded(self, file_id: str, now: datetime) -> None: ...

    def expired(self, now: datetime) -> list[AnswerFile]:
        """Answers past their expiry whose file is not deleted yet."""

    def deleted(self, file_id: str, now: datetime) -> None: ...


@dataclass(frozen=True)
class OneTimeCode:
    id: int
    reference: str
    purpose: str  # "answer" or "status"
    code_hash: str  # keyed hash of the code: never the code
    created_at: datetime
    expires_at: datetime
    attempts: int
    used_at: datetime | None


class OneTimeCodes(Protocol):
    def add(self, reference: str, purpose: str, code_hash: str, now: datetime, expires_at: datetime) -> None: ...

    def latest(self, reference: str, purpose: str, now: datetime) -> OneTimeCode | None:
        """The newest code not used and not expired."""

    def issued_since(self, reference: str, purpose: str, since: datetime) -> int: ...

    def attempt(self, code_id: int) -> int:
        """Counts a try of the code; the tries so far."""

    def use(self, code_id: int, now: datetime) -> bool:
        """Marks it used; False when it already was (two tries at once: one wins)."""

    def forget(self, reference: str) -> None: ...


class Digests(Protocol):
    def claim(self, day: date, now: datetime) -> bool:
        """True for the one instance that is to send the DPO's digest of ``day``."""


class ConsentLog(Protocol):
    """The proof-of-consent log, inside one transaction: appended, never rewritten, deleted by age only."""

    def append(self, record: ConsentRecord) -> None: ...

    def records(self, site: str, since: datetime | None = None) -> list[ConsentRecord]: ...

    def proof_of(self, site: str, consent_id: str, recorded_at: datetime) -> ConsentRecord | None:
        """The entry of the choice ``consent_id`` made on ``site`` at ``recorded_at`` (to the second, as entries
        are written): what a receipt proves, found through the index on consent ids, never by reading the log."""

    def count_before(self, before: datetime) -> int: ...

    def purge(self, before: datetime, at_most: int) -> int:
        """Deletes up to ``at_most`` entries recorded before ``before``, oldest first; how many."""


class Runs(Protocol):
    """When scheduled work last ran, shared by every instance on the database."""

    def claim(self, job: str, now: datetime, every: timedelta) -> bool:
        """True, and the run recorded, when ``job`` has not run within ``every`` before ``now``: of several
        instances on one database, one runs it."""


class RightsSession(Protocol):
    @property
    def register(self) -> RightsRegister: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def rate_limits(self) -> RateLimits: ...

    @property
    def runs(self) -> Runs: ...

    @property
    def history(self) -> RightsHistory: ...

    @property
    def answers(self) -> AnswerFiles: ...

    @property
    def codes(self) -> OneTimeCodes: ...

    @property
    def digests(self) -> Digests: ...


class ConsentSession(Protocol):
    @property
    def log(self) -> ConsentLog: ...

    @property
    def rate_limits(self) -> RateLimits: ...

    @property
    def runs(self) -> Runs: ...


class Commits(Protocol):
    """Commits to a database by any writer, this process's or another's, as a worker that waits hears of them:
    a mail queued by the DPO's command (``requests extend``) is sent at once by the running server's outbox.
    SQLite: its change counter (``PRAGMA data_version``), looked at twice a second (privacy/sqlite/commits.py).
    PostgreSQL: ``LISTEN`` on a channel that the transactions queuing a mail ``NOTIFY`` as they commit."""

    async def next(self) -> None:
        """Returns once something was committed since the last call (maybe nothing the caller waits for)."""

    def close(self) -> None: ...


class Database(Protocol[S]):
    """One feature's database."""

    def commits(self) -> Commits:
        """What a worker waits on to hear of others' commits (see Commits)."""

    def transaction(self, *, reading: bool = False) -> AbstractContextManager[S]:
        """One transaction, committed at the end of the block (rolled back on an exception); blocking.
        ``reading``: it only reads (a full or read-only disk still answers it)."""

    async def write(self, work: Callable[[S], T]) -> T:
        """``work``'s result once the transaction that ran it is committed and durable (several callers' work
        may share one transaction; each caller's failure undoes its own work only)."""

    async def run(self, work: Callable[[S], T], *, reading: bool = False) -> T:
        """``work`` in a transaction of its own, off the event loop."""

    def close(self) -> None: ...


RightsDatabase = Database[RightsSession]
ConsentDatabase = Database[ConsentSession]


@dataclass
class Stores:
    """Both features' databases, and the backend's own upkeep while the server runs."""

    rights: RightsDatabase
    consent: ConsentDatabase
    backend: str  # "sqlite" or "postgresql"
    upkeep: Callable[[], AbstractAsyncContextManager[None]]
    on_close: Callable[[], None] = lambda: None  # what both share (a connection pool)

    def close(self) -> None:
        self.rights.close()
        self.consent.close()
        self.on_close()
