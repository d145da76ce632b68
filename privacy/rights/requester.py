"""The requester's own pages after sending: where the request stands, and the answer's download.

Nothing personal is ever in a URL: the status page is asked for with the reference and the address in a posted
form (or reached by the signed random link of the acknowledgment), and shows the state only once the one-time
code mailed to that address is typed. The answer's link carries a random token, and its file is handed over only
with a one-time code sent in a mail of its own. Whether a reference exists is never told: the same answer
comes for a wrong reference or address.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import Response

from .. import i18n
from ..codes import N_
from ..command_line import server_command
from ..content import Site
from ..stores import AnswerFile, RightsSession, StorageFailed, StoredRequest
from ..web import client_address, retry_after
from . import casework, follow_up, history, one_time, store
from .handling import status_nonce, status_path
from .lifecycle import OUTCOME_LABELS, outcome
from .vault import VaultError

if TYPE_CHECKING:
    from .pages import Pages

log = logging.getLogger("privacy.rights.requester")

TOO_MANY_CODES = N_("Several codes were sent for this request within the hour. Please wait a little, then ask again.")
TOO_MANY_POSTS = N_("Too many requests were sent from your connection. Please try again in a few minutes.")
WRONG_CODE = N_("This code does not work: it may be mistyped, used already or expired. Ask for a new one.")
UNAVAILABLE = N_("This could not be done just now. Please try again in a few minutes.")
# The operator's log, when a stored answer cannot be opened (damaged, or sealed with a key no longer given).
ANSWER_UNREADABLE = N_("an answer file could not be opened (%(reason)s): %(command)s requests show tells which")


def _same(one: str, other: str) -> bool:
    return unicodedata.normalize("NFC", one.strip()).casefold() == unicodedata.normalize("NFC", other).casefold()


async def _form(pages: Pages, request: Request, site: Site, language: str) -> dict[str, str] | Response:
    """The posted fields, or the page that refuses the post; every post counts against the client's limit."""
    body = await pages.posted_form(request, site, language)
    if isinstance(body, Response):
        return body
    client = client_address(request)
    try:
        posted = await pages.desk.db.write(lambda s: pages.counters.post(s.rate_limits, client, time.time()))
    except StorageFailed as error:
        log.error("a requester's post could not be counted: %s", error)
        return pages.error(request, site, language, 503, UNAVAILABLE)
    if not posted.allowed:
        return retry_after(pages.error(request, site, language, 429, TOO_MANY_POSTS), posted.retry_after)
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        fields = {}
    return {name: values[0][:300] for name, values in fields.items() if values}


# --- the status page ---------------------------------------------------------------------------------------


def steps(record: StoredRequest) -> list[dict[str, Any]]:
    """What the requester may see: each state reached, with its day (and the extension's reason, which they
    were told by mail)."""
    reached: list[tuple[str, datetime | None, str | None, str | None]] = [
        (N_("Request received"), record.received_at, None, None),
        (N_("Email address confirmed"), record.email_confirmed_at, None, None),
        (N_("Proof of identity asked for"), record.identity_asked_at, None, None),
        (N_("Time to answer extended"), record.extended_at, record.extension_reason, None),
        (N_("Answer sent"), record.answered_at, None, None),
        (N_("Request closed"), record.closed_at, None, _outcome_label(record.outcome)),
    ]
    return [
        {"label": label, "on": moment.date(), "reason": reason, "outcome": how}
        for label, moment, reason, how in reached
        if moment is not None
    ]


def _outcome_label(value: str | None) -> str | None:
    known = outcome(value or "")
    return OUTCOME_LABELS[known] if known else None


def _status_page(pages: Pages, site: Site, language: str, state: str, status: int = 200, **context: Any) -> Response:
    defaults: dict[str, Any] = {"record": None, "steps": [], "reference": "", "message": None, "email": ""}
    defaults.update(context)
    return pages.page(
        site, language, "status.html", status, state=state, action=status_path(site.id, language), **defaults
    )


async def status(pages: Pages, request: Request) -> Response:
    found = pages.site_of(request)
    if isinstance(found, Response):
        return found
    site, language = found
    if request.method == "GET":
        return _status_page(pages, site, language, "ask")
    fields = await _form(pages, request, site, language)
    if isinstance(fields, Response):
        return fields
    reference = store.normalize_reference(fields.get("reference", ""))
    key = pages.settings.secret_keys[0]
    now = datetime.now(UTC)
    if "code" in fields:
        typed = fields["code"]

        def look(session: RightsSession) -> StoredRequest | None:
            record = session.register.get(reference)
            if record is None or record.site != site.id or record.purged_at:
                return None
            if not one_time.check(session, key, reference, "status", typed, now):
                return None
            return record

        record = await pages.desk.db.write(look)
        if record is None:
            return _status_page(pages, site, language, "code", 400, reference=reference, message=WRONG_CODE)
        return _shown(pages, site, language, record)
    email = fields.get("email", "")

    def send(session: RightsSession) -> str:
        record = session.register.get(reference)
        if record is None or record.site != site.id or record.purged_at or not record.email:
            return "code"  # said as if sent: whether a reference exists is not told
        if not _same(email, record.email):
            return "code"
        issued = one_time.issue(session, key, reference, "status", now)
        if issued.code is None:
            return "too-many"
        session.outbox.enqueue(
            follow_up.one_time_code(
                site,
                record.language,
                pages.settings.mail_from,
                reference=reference,
                email=record.email,
                code=issued.code,
                minutes=issued.minutes,
                purpose="status",
                sent_at=now,
            ),
            now,
        )
        return "code"

    sent = await pages.desk.db.write(send)
    pages.worker.wake()
    if sent == "too-many":
        return _status_page(pages, site, language, "code", 429, reference=reference, message=TOO_MANY_CODES)
    return _status_page(pages, site, language, "code", reference=reference)


async def status_link(pages: Pages, request: Request) -> Response:
    """The acknowledgment's signed link: the state shown straight away."""
    found = pages.site_of(request)
    if isinstance(found, Response):
        return found
    site, language = found
    nonce = status_nonce(pages.settings, request.path_params["token"]) or ""
    record = None
    if nonce:
        record = await pages.desk.db.run(lambda session: store.by_confirmation(session, nonce, site.id), reading=True)
    if record is None or record.purged_at:
        return _status_page(pages, site, language, "ask", 400, message=N_("This link does not work any more."))
    return _shown(pages, site, language, record)


def _shown(pages: Pages, site: Site, language: str, record: StoredRequest) -> Response:
    return _status_page(pages, site, language, "shown", record=record, steps=steps(record), reference=record.reference)


# --- the answer's download -----------------------------------------------------------------------------------


def _answer_page(pages: Pages, site: Site, language: str, state: str, status: int = 200, **context: Any) -> Response:
    defaults: dict[str, Any] = {"message": None, "expires_on": None, "action": ""}
    defaults.update(context)
    return pages.page(site, language, "answer.html", status, state=state, **defaults)


async def _answer_of(pages: Pages, token: str) -> tuple[AnswerFile, StoredRequest] | None:
    def find(session: RightsSession) -> tuple[AnswerFile, StoredRequest] | None:
        answer = session.answers.by_link(store.token_hash(token))
        if answer is None:
            return None
        record = session.register.get(answer.reference)
        return (answer, record) if record is not None else None

    return await pages.desk.db.run(find, reading=True)


async def answer(pages: Pages, request: Request) -> Response:
    found = pages.site_of(request)
    if isinstance(found, Response):
        return found
    site, language = found
    token = request.path_params["token"]
    pair = await _answer_of(pages, token) if len(token) < 100 else None
    now = datetime.now(UTC)
    action = request.url.path
    if pair is None or pair[1].site != site.id or pair[1].purged_at or pair[0].deleted_at or pair[0].expires_at <= now:
        return _answer_page(pages, site, language, "gone", 404)
    stored, record = pair
    if request.method == "GET":
        return _answer_page(pages, site, language, "ask", action=action, expires_on=stored.expires_at.date())
    fields = await _form(pages, request, site, language)
    if isinstance(fields, Response):
        return fields
    key = pages.settings.secret_keys[0]
    if "code" not in fields:
        return await _send_code(pages, site, language, record, action, stored, now)
    typed = fields["code"]
    ok = await pages.desk.db.write(lambda s: one_time.check(s, key, record.reference, "answer", typed, now))
    if not ok:
        return _answer_page(pages, site, language, "code", 400, action=action, message=WRONG_CODE)
    try:
        opened = casework.vault_for(pages.desk).open(record.reference, stored.file_id, now)
    except VaultError as error:
        said = i18n.gettext(i18n.operator_language(), ANSWER_UNREADABLE)
        log.error(said, {"reason": error.reason, "command": server_command()})
        return _answer_page(pages, site, language, "gone", 410)

    def counted(session: RightsSession) -> None:
        session.answers.downloaded(stored.file_id, now)
        history.record(session, record.reference, "downloaded", now, history.REQUESTER)

    await pages.desk.db.write(counted)
    return Response(
        opened.data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": _attachment(opened.name),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _send_code(
    pages: Pages, site: Site, language: str, record: StoredRequest, action: str, stored: AnswerFile, now: datetime
) -> Response:
    key = pages.settings.secret_keys[0]

    def send(session: RightsSession) -> bool:
        if not record.email:
            return False
        issued = one_time.issue(session, key, record.reference, "answer", now)
        if issued.code is None:
            return False
        session.outbox.enqueue(
            follow_up.one_time_code(
                site,
                record.language,
                pages.settings.mail_from,
                reference=record.reference,
                email=record.email,
                code=issued.code,
                minutes=issued.minutes,
                purpose="answer",
                sent_at=now,
            ),
            now,
        )
        return True

    if not await pages.desk.db.write(send):
        return _answer_page(pages, site, language, "code", 429, action=action, message=TOO_MANY_CODES)
    pages.worker.wake()
    return _answer_page(pages, site, language, "code", action=action, expires_on=stored.expires_at.date())


def _attachment(name: str) -> str:
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name) or "answer"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
