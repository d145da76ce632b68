"""The DPO's work on a request after its receipt: asking for proof of identity, answering with a file,
closing with an outcome, the daily digest of what needs them, and the records the yearly figures count.

Each step changes the request, queues the requester's mail and appends to the audit trail in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..content import Site
from ..law import jurisdiction
from ..randomness import token_urlsafe
from ..stores import AnswerFile, StoredRequest
from . import follow_up, history, store
from .figures import Handled
from .lifecycle import Outcome
from .request import inbox
from .vault import AnswerVault

if TYPE_CHECKING:
    from .handling import Desk  # which calls back here at the purge

ANSWER_DAYS = 14
DUE_SOON_DAYS = 7
UNCONFIRMED_DAYS = 7


def vault_for(desk: Desk) -> AnswerVault:
    """The answers' folder (PRIVACY_ANSWERS_DIR), sealed with keys derived from the signing keys."""
    return AnswerVault(desk.settings.answers_dir, desk.settings.secret_keys)


def answer_path(site_id: str, language: str, token: str) -> str:
    return f"/rights/{site_id}/{language}/answer/{token}"


def _site(desk: Desk, request: StoredRequest) -> Site:
    site = desk.content.site(request.site)
    if site is None:
        raise LookupError(request.site)
    return site


def ask_identity(desk: Desk, request: StoredRequest, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    site = _site(desk, request)
    assert request.email is not None
    asked = follow_up.identity_proof_request(
        site,
        request.language,
        desk.settings.mail_from,
        reference=request.reference,
        email=request.email,
        acting_for=request.acting_for,
        due_on=request.due_on if desk.legal_deadline(site, request.rights) else None,
        sent_at=now,
        # One mail each time it is asked (a second request for proof is a new mail, not a retry).
        kind=f"identity-{int(now.timestamp())}",
    )
    with desk.db.transaction() as session:
        session.register.ask_identity(request.reference, now)
        session.outbox.enqueue(asked, now)
        history.record(session, request.reference, "identity_asked", now)


def answer(
    desk: Desk, request: StoredRequest, name: str, data: bytes, note: str, days: int, now: datetime | None = None
) -> AnswerFile:
    """Seals the file, queues the link's mail, and records the request as answered; the file is deleted again
    if the transaction fails."""
    now = now or datetime.now(UTC)
    site = _site(desk, request)
    assert request.email is not None
    vault = vault_for(desk)
    expires_at = now + timedelta(days=days)
    sealed = vault.seal(request.reference, name, data, expires_at)
    token = token_urlsafe(32)
    url = f"{desk.settings.public_origin}{answer_path(site.id, request.language, token)}"
    link = follow_up.answer_link(
        site,
        request.language,
        desk.settings.mail_from,
        reference=request.reference,
        email=request.email,
        url=url,
        expires_on=expires_at.date(),
        note=note,
        sent_at=now,
        kind=f"answer-{sealed.file_id[:12]}",
    )
    stored = AnswerFile(
        file_id=sealed.file_id,
        reference=request.reference,
        link_hash=store.token_hash(token),
        size=sealed.size,
        created_at=now,
        expires_at=sealed.expires_at,
    )
    try:
        with desk.db.transaction() as session:
            session.answers.add(stored)
            session.outbox.enqueue(link, now)
            session.register.answered(request.reference, now)
            history.record(
                session, request.reference, "answered", now, detail=f"{sealed.size} B, {sealed.expires_at:%Y-%m-%d}"
            )
    except BaseException:
        vault.delete(sealed.file_id)
        raise
    return stored


def close(desk: Desk, request: StoredRequest, outcome: Outcome, reason: str, now: datetime | None = None) -> bool:
    """Closes the request with its outcome and tells the requester (a refusal: with the authority to complain to)."""
    now = now or datetime.now(UTC)
    site = desk.content.site(request.site)
    told = None
    if site is not None and request.email:
        told = follow_up.closed(
            site,
            request.language,
            desk.settings.mail_from,
            reference=request.reference,
            email=request.email,
            outcome=outcome,
            reason=reason,
            law=jurisdiction(site.notice, desk.content.registry),
            sent_at=now,
        )
    with desk.db.transaction() as session:
        return store.close(session, request.reference, now, outcome, reason or None, told)


def sweep_answers(desk: Desk, now: datetime | None = None) -> list[str]:
    """Deletes the answers whose link has expired (and those of purged requests); their ids."""
    now = now or datetime.now(UTC)
    vault = vault_for(desk)
    with desk.db.transaction() as session:
        expired = session.answers.expired(now)
        for each in expired:
            vault.delete(each.file_id)
            session.answers.deleted(each.file_id, now)
    vault.sweep(now)  # what the register no longer knows (a crash between seal and commit)
    return [each.file_id for each in expired]


def forget_answers(desk: Desk, reference: str, now: datetime) -> None:
    """At the purge: the request's answer files go with its personal data."""
    vault = vault_for(desk)
    with desk.db.transaction() as session:
        for each in session.answers.of_request(reference):
            if each.deleted_at is None:
                vault.delete(each.file_id)
                session.answers.deleted(each.file_id, now)


def records(desk: Desk, site: str | None = None) -> list[Handled]:
    """Every request as the yearly figures see it."""
    with desk.db.transaction(reading=True) as session:
        every = session.register.every(site)
    return [_handled(r) for r in every]


def _handled(request: StoredRequest) -> Handled:
    answered = request.answered_at or request.closed_at  # a request closed without a file was answered by mail
    return Handled(
        site=request.site,
        rights=tuple(right.value for right in request.rights),
        received_on=request.received_at.date(),
        due_on=request.due_on,
        answered_on=answered.date() if answered else None,
        outcome=request.outcome,
    )


@dataclass(frozen=True)
class InboxDigest:
    site: Site  # whose language and name the mail takes: the first site of the inbox
    inbox: str
    digest: follow_up.Digest


def digests(desk: Desk, now: datetime) -> list[InboxDigest]:
    """What each DPO inbox needs to hear of today: due within 7 days, overdue, unconfirmed for a week."""
    today = now.date()
    with desk.db.transaction(reading=True) as session:
        every = session.register.every()
    grouped: dict[str, list[tuple[Site, StoredRequest]]] = defaultdict(list)
    for request in sorted(every, key=lambda r: (r.due_on, r.reference)):
        site = desk.content.site(request.site)
        target = inbox(site) if site else None
        if site is None or target is None or request.status != "open" or request.purged_at:
            continue
        grouped[target].append((site, request))
    found = []
    for target, items in sorted(grouped.items()):
        overdue = [_line(r) for _s, r in items if r.due_on < today]
        soon = [_line(r) for _s, r in items if today <= r.due_on <= today + timedelta(days=DUE_SOON_DAYS)]
        week = now - timedelta(days=UNCONFIRMED_DAYS)
        unconfirmed = [_line(r) for _s, r in items if r.email_confirmed_at is None and r.received_at <= week]
        digest = follow_up.Digest(due_soon=soon, overdue=overdue, unconfirmed=unconfirmed)
        if not digest.empty:
            found.append(InboxDigest(items[0][0], target, digest))
    return found


def _line(request: StoredRequest) -> follow_up.DigestLine:
    return follow_up.DigestLine(
        request.reference,
        request.site,
        request.received_at.date(),
        request.due_on,
        tuple(r.value for r in request.rights),
    )


def send_digests(desk: Desk, now: datetime | None = None, *, by_hand: bool = False) -> list[InboxDigest] | None:
    """Queues today's digests, once a day across every instance on the database: None when another instance (or
    an earlier run) has sent today's already. ``by_hand`` (``requests remind``): sent even so, as mails of their
    own, and the server sends none later that day."""
    now = now or datetime.now(UTC)
    found = digests(desk, now)
    with desk.db.transaction() as session:
        if not session.digests.claim(now.date(), now) and not by_hand:
            return None
        for each in found:
            mail = follow_up.digest_mail(
                each.site,
                each.inbox,
                desk.settings.mail_from,
                each.digest,
                now.date(),
                now,
                again=f"{now:%H%M%S}" if by_hand else "",
            )
            session.outbox.enqueue(mail, datetime.now(UTC))  # due now, whatever day the digest is of
    return found
