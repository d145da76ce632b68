"""What happens to a request, from receipt to purge: the steps both the web
endpoints and the DPO's commands take, with the content and settings wired in."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from itsdangerous import BadData, BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

from ..codes import Right
from ..content import Content, Site
from ..law import jurisdiction
from ..model import Deadline
from ..settings import Settings
from ..stores import OutboxMail, RightsDatabase, RightsSession, StoredRequest
from . import mail, store
from .deadline import after, due_date, extended_due_date, response_deadline
from .outbox import Mail
from .request import RightsRequest, inbox

CONFIRM_DAYS = 14


def confirm_serializer(settings: Settings) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and verifies with all: settings list the newest first.
    return URLSafeTimedSerializer(list(reversed(settings.secret_keys)), salt="privacy.rights.confirm")


# What confirm_serializer writes: payload, timestamp and signature, base64url without padding.
_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _canonical(token: str) -> bool:
    """Written exactly as dumps writes it: base64 decoders also take padding, the other alphabet and stray low
    bits, so several spellings of one signature would verify."""
    if not _TOKEN.fullmatch(token):
        return False
    try:
        return all(base64_encode(base64_decode(part)) == part.encode("ascii") for part in token.split("."))
    except BadData:
        return False


def confirmation_nonce(settings: Settings, token: str) -> str | None:
    return _signed_nonce(confirm_serializer(settings), token, CONFIRM_DAYS)


# The acknowledgment's link to the status page: as long as the request is kept (its nonce is erased at the purge).
STATUS_LINK_DAYS = 3 * 366


def status_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(list(reversed(settings.secret_keys)), salt="privacy.rights.status")


def status_nonce(settings: Settings, token: str) -> str | None:
    return _signed_nonce(status_serializer(settings), token, STATUS_LINK_DAYS)


def _signed_nonce(serializer: URLSafeTimedSerializer, token: str, days: int) -> str | None:
    if not _canonical(token):
        return None
    try:
        value = serializer.loads(token, max_age=days * 86400)
    except BadSignature:  # also covers an expired link (SignatureExpired)
        return None
    return value if isinstance(value, str) else None


def status_path(site_id: str, language: str) -> str:
    return f"/rights/{site_id}/{language}/status"


def form_path(site_id: str, language: str) -> str:
    return f"/rights/{site_id}/{language}/"


def notice_path(site_id: str, language: str) -> str:
    """The notice the build published, served by this server on the same origin (privacy/pipeline.py)."""
    return f"/{site_id}/{language}/"


@dataclass(frozen=True)
class Desk:
    settings: Settings
    content: Content
    db: RightsDatabase

    def deadline(self, site: Site, rights: tuple[Right, ...] = ()) -> Deadline:
        """The deadline of a request about ``rights``: the shortest the site's laws set for any of them."""
        return response_deadline(site, self.content.registry, rights)

    def legal_deadline(self, site: Site, rights: tuple[Right, ...]) -> Deadline | None:
        """The deadline the site's laws themselves set for ``rights``, if any (``deadline`` falls back to a target)."""
        return jurisdiction(site.notice, self.content.registry).deadline_for(rights)

    def receive(
        self,
        site: Site,
        request: RightsRequest,
        receipt: str,
        session: RightsSession,
        now: datetime | None = None,
    ) -> store.Submitted:
        """Record a request, in ``session``'s transaction (a group commit's, on the server)."""
        now = now or datetime.now(UTC)
        due = due_date(now.date(), self.deadline(site, request.rights))
        target = inbox(site)
        assert target is not None, "the form is only offered to a site with an inbox"
        sender = self.settings.mail_from
        base = self.settings.public_origin  # never the request's Host: a forged one would go into the mail

        def mails(reference: str, nonce: str) -> list[Mail]:
            # Drafts: the worker composes them from the stored request (``compose``), after the visitor's answer.
            token = confirm_serializer(self.settings).dumps(nonce)
            link = f"{base}{form_path(site.id, request.language)}confirm/{token}"
            status = f"{base}{status_path(site.id, request.language)}/{status_serializer(self.settings).dumps(nonce)}"
            return [
                Mail(mail.message_id(reference, "dpo", sender), reference, "dpo", target, None, draft="{}"),
                Mail(
                    mail.message_id(reference, "acknowledgment", sender),
                    reference,
                    "acknowledgment",
                    request.email,
                    None,
                    draft=json.dumps({"confirm_url": link, "status_url": status}),
                ),
            ]

        return store.submit(
            session,
            request,
            key=self.settings.secret_keys[0],
            received_at=now,
            due_on=due,
            receipt=receipt,
            mails=mails,
        )

    def compose(self, queued: OutboxMail, session: RightsSession) -> bytes:
        """The message of a draft queued by ``receive``, from the request as stored (``outbox.Compose``)."""
        request = store.get(session, queued.reference)
        site = self.content.site(request.site)
        draft = json.loads(queued.draft or "{}")
        if site is None or request.email is None:
            raise LookupError("the site or the request's address is gone")
        sender = self.settings.mail_from
        legal = self.legal_deadline(site, request.rights) is not None
        if queued.kind == "dpo":
            composed = mail.to_dpo(site, queued.recipient, sender, request, confirmed=False, legal=legal)
        elif queued.kind == "acknowledgment":
            composed = mail.acknowledgment(
                site,
                sender,
                request,
                # A date is promised only when the site's laws set one: the GDPR's month is only the DPO's target.
                legal=legal,
                confirm_url=draft["confirm_url"],
                confirm_days=CONFIRM_DAYS,
                status_url=draft.get("status_url"),  # drafts queued by an earlier version have none
            )
        else:
            raise ValueError(f"no draft of kind {queued.kind}")
        assert composed.message is not None
        return composed.message

    def confirm_address(
        self, session: RightsSession, site: Site, nonce: str, now: datetime | None = None
    ) -> StoredRequest | None:
        """In ``session``'s transaction: the address marked confirmed, and the DPO told."""
        now = now or datetime.now(UTC)
        found = store.by_confirmation(session, nonce, site.id)
        target = inbox(site)
        if found is None or target is None:
            return None
        store.confirm(
            session,
            found.reference,
            now,
            lambda: mail.confirmed_to_dpo(
                site, target, self.settings.mail_from, reference=found.reference, confirmed_at=now
            ),
        )
        return found

    def extension_due(self, request: StoredRequest) -> date:
        site = self.content.site(request.site)
        deadline = self.deadline(site, request.rights) if site else None
        return extended_due_date(request.received_at.date(), deadline) if deadline else request.due_on

    def extend(self, request: StoredRequest, reason: str, now: datetime | None = None) -> date:
        now = now or datetime.now(UTC)
        site = self.content.site(request.site)
        assert site is not None and request.email is not None
        due = self.extension_due(request)
        legal = self.legal_deadline(site, request.rights)
        notice = mail.extension_notice(
            site,
            request.language,
            self.settings.mail_from,
            reference=request.reference,
            email=request.email,
            reason=reason,
            due_on=due,
            sent_at=now,
            legal=bool(legal and legal.extension_months),
        )
        with self.db.transaction() as session:
            store.extend(session, request.reference, reason, due, now, notice)
        return due

    def purge_due(self, today: date) -> list[str]:
        """References of closed requests whose site's retention period has run out."""
        due = []
        with self.db.transaction() as session:
            requests = store.listing(session, today)
        for request in requests:
            if request.status != "closed" or request.purged_at or request.closed_at is None:
                continue
            site = self.content.site(request.site)
            retention = getattr(site.notice.rights, "request_retention", None) if site else None
            if retention and after(request.closed_at.date(), retention) <= today:
                due.append(request.reference)
        return due

    def purge(self, today: date, now: datetime | None = None, who: str | None = None) -> list[str]:
        """``who``: the operator, or the server's own purge (privacy/rights/history.py)."""
        from .casework import forget_answers

        references = self.purge_due(today)
        for reference in references:  # one transaction each: a long backlog never holds the write lock long
            moment = now or datetime.now(UTC)
            forget_answers(self, reference, moment)
            with self.db.transaction() as session:
                store.purge(session, reference, moment, who)
        return references
