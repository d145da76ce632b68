"""Rights requests as the register keeps them: a request and the mails it sends are recorded in one
transaction (a ``stores.RightsSession``), before the visitor sees the confirmation.

The reference is random (no count of requests leaks), 12 characters from an
alphabet with no look-alikes, grouped for reading over the phone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..randomness import random_string, token_urlsafe
from ..stores import NewRequest, QueuedMail, RightsSession, StoredRequest
from . import history
from .backlog import state_of
from .request import RightsRequest

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U
REFERENCE_LENGTH = 12
DUPLICATE_WINDOW = timedelta(minutes=10)


class NotFound(Exception):
    pass


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


@dataclass(frozen=True)
class Submitted:
    reference: str
    due_on: date
    duplicate: bool


MailsFor = Callable[[str, str], list[QueuedMail]]  # (reference, confirmation nonce) → mails


def submit(
    session: RightsSession,
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
    register = session.register
    existing = register.duplicate_of(mark, received_at - DUPLICATE_WINDOW)
    if existing is not None:
        register.set_receipt(existing[0], token_hash(receipt))
        return Submitted(existing[0], existing[1], True)
    while True:
        reference = new_reference()
        if not register.taken(reference):
            break
    nonce = token_urlsafe(24)
    register.insert(
        NewRequest(
            reference=reference,
            site=request.site,
            language=request.language,
            rights=",".join(r.value for r in request.rights),
            relationship=request.relationship,
            name=request.name,
            email=request.email,
            details=request.details,
            file_reference=request.file_reference,
            fingerprint=mark,
            received_at=received_at,
            due_on=due_on,
            confirm_hash=token_hash(nonce),
            receipt_hash=token_hash(receipt),
            acting_for=request.acting_for,
            subject_name=request.subject_name or None,
        )
    )
    for mail in mails(reference, nonce):
        session.outbox.enqueue(mail, received_at)
    history.record(session, reference, "received", received_at, history.REQUESTER, request.acting_for)
    return Submitted(reference, due_on, False)


def by_receipt(session: RightsSession, receipt: str, site: str) -> StoredRequest | None:
    return session.register.by_receipt(token_hash(receipt), site)


def by_confirmation(session: RightsSession, nonce: str, site: str) -> StoredRequest | None:
    return session.register.by_confirmation(token_hash(nonce), site)


def confirm(session: RightsSession, reference: str, now: datetime, mail: Callable[[], QueuedMail]) -> bool:
    """Record the address as confirmed and tell the DPO; False when it already was."""
    changed = session.register.confirm(reference, now)
    if changed:
        session.outbox.enqueue(mail(), now)
        history.record(session, reference, "confirmed", now, history.REQUESTER)
    return changed


def get(session: RightsSession, reference: str) -> StoredRequest:
    found = session.register.get(normalize_reference(reference))
    if found is None:
        raise NotFound(reference)
    return found


def listing(session: RightsSession, today: date, site: str | None = None) -> list[StoredRequest]:
    """Overdue first, then open by due date, then closed (latest first)."""
    return sorted(
        session.register.every(site),
        key=lambda r: (
            0 if r.overdue(today) else 1 if r.status == "open" else 2,
            r.due_on.toordinal() if r.status == "open" else -r.received_at.timestamp(),
        ),
    )


def close(
    session: RightsSession,
    reference: str,
    now: datetime,
    outcome: str | None = None,
    reason: str | None = None,
    mail: QueuedMail | None = None,
) -> bool:
    """Closes an open request with its outcome (and tells the requester with ``mail``); False if it was closed."""
    if not session.register.close(reference, now, outcome, reason):
        return False
    if mail is not None:
        session.outbox.enqueue(mail, now)
    history.record(session, reference, "closed", now, detail=outcome or "")
    return True


def extend(session: RightsSession, reference: str, reason: str, due_on: date, now: datetime, mail: QueuedMail) -> None:
    session.register.extend(reference, reason, due_on, now)
    session.outbox.enqueue(mail, now)
    history.record(session, reference, "extended", now, detail=due_on.isoformat())


def purge(session: RightsSession, reference: str, now: datetime, who: str | None = None) -> None:
    """Erase what identifies the person; keep the facts a DPO must account for (rights, dates, outcome)."""
    session.register.erase(reference, now)
    session.outbox.forget(reference)
    session.codes.forget(reference)
    history.record(session, reference, "purged", now, who)


def mail_states(session: RightsSession, now: datetime) -> dict[str, dict[str, int]]:
    """reference → how many of its mails are sent, waiting, held, failed (backlog.state_of)."""
    states: dict[str, dict[str, int]] = {}
    for mail in session.outbox.every():
        counts = states.setdefault(mail.reference, {"sent": 0, "waiting": 0, "held": 0, "failed": 0})
        counts[state_of(mail, now)] += 1
    return states
