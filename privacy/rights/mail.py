"""The mails a request sends, built with the standard library's ``email``
package (never by pasting strings), every header checked, so no field can add
a header.

The DPO's copy is in the site's first language and holds every field; the
requester's acknowledgment is in the language of the page they used and holds
none of what they typed, so the form cannot be used to send someone else a
message of one's choosing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr

from .. import i18n
from ..codes import Right
from ..command_line import server_command
from ..content import Site
from ..stores import StoredRequest
from ..text import pick
from .invisible import visible
from .outbox import Mail
from .request import acting_for_label, relationship_label

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def translator(language: str) -> Callable[[str], str]:
    return lambda message: i18n.gettext(language, message)


def _one_line(value: str) -> str:
    # Validation already refuses these; a header must never depend on that alone.
    return visible(_CONTROL.sub(" ", value).strip(), allowed="")


def _display_name(name: str) -> str:
    """A display name no mail program can read as an address.

    formataddr quotes a name holding ``@``, ``<``, ``,``…, so the address is always the one given. But a
    name written as an RFC 2047 encoded word (``=?utf-8?b?Y2VvQGhvc3BpdGFsLmV4YW1wbGU=?=``) is none of those:
    left as typed, mail programs decode it into whatever it encodes, such as ``ceo@hospital.example``
    (Python's parser does so even inside quotes). Encoded by us, it is decoded back to the text typed.
    """
    name = _one_line(name)
    return Header(name, "utf-8", maxlinelen=0).encode() if "=?" in name else name  # 0: one line, checked as such


def _domain(sender: str) -> str:
    return sender.rpartition("@")[2] or "localhost"


def message_id(reference: str, kind: str, sender: str) -> str:
    """Stable: the same mail always has the same id, whatever the retry."""
    return f"<{reference}.{kind}@{_domain(sender)}>"


def organization(site: Site, language: str) -> str:
    return _one_line(pick(site.notice.publisher.name, language))


class _Message:
    """A plain-text mail: headers checked one by one, then written out by the standard library.

    Built from email.mime (the compat32 API) rather than EmailMessage: the modern policy
    parses and refolds every header, 1.5 ms a mail, against 0.25 ms here for the same bytes on the wire.
    Each header goes through ``__setitem__``, which refuses any value that could end a header line.
    """

    def __init__(self, body: str) -> None:
        self._mime = MIMENonMultipart("text", "plain", charset="utf-8")
        self._mime.set_payload(body, _TEXT)  # encoded, with its Content-Transfer-Encoding

    def __setitem__(self, name: str, value: str) -> None:
        if "\r" in value or "\n" in value:
            raise ValueError(f"the {name} header would break a line")
        self._mime[name] = value if value.isascii() else Header(value, "utf-8", header_name=name).encode()

    def address(self, name: str, display_name: str, addr_spec: str) -> None:
        if not addr_spec.isascii() or _CONTROL.search(addr_spec) or " " in addr_spec:
            raise ValueError(f"the {name} address must be a plain ASCII address")
        self[name] = formataddr((_display_name(display_name), addr_spec), "utf-8")

    def as_bytes(self) -> bytes:
        return self._mime.as_bytes()


# Quoted-printable, not base64: a DPO reading the raw mail (or a filter searching it) sees the words.
_TEXT = Charset("utf-8")
_TEXT.body_encoding = QP


def _message(
    site: Site,
    language: str,
    sender: str,
    to: str,
    subject: str,
    body: str,
    reference: str,
    kind: str,
    sent_at: datetime,
) -> _Message:
    message = _Message(body)
    message["Message-ID"] = message_id(reference, kind, sender)
    message["Date"] = format_datetime(sent_at)
    message.address("From", organization(site, language), sender)
    message.address("To", "", to)
    message["Subject"] = _one_line(subject)
    message["Content-Language"] = language
    return message


def _rights(rights: tuple[Right, ...], language: str) -> str:
    _ = translator(language)
    return ", ".join(_(r.label) for r in rights)


def _day(value: date, language: str) -> str:
    return i18n.format_day(value, language)


def _mail(message: _Message, reference: str, kind: str, recipient: str, sender: str) -> Mail:
    return Mail(message_id(reference, kind, sender), reference, kind, recipient, message.as_bytes())


def to_dpo(site: Site, inbox: str, sender: str, request: StoredRequest, *, confirmed: bool, legal: bool = True) -> Mail:
    """The DPO's copy of ``request``, in the site's first language; ``legal``: its laws set the due date."""
    language = site.languages[0]
    reference, rights, received_at = request.reference, request.rights, request.received_at
    name, email, details = request.name or "", request.email or "", request.details or ""
    _ = translator(language)
    rows = [
        (_("Reference"), reference),
        (_("Rights requested"), _rights(rights, language)),
        (_("Name"), _one_line(name)),
        (_("Email"), email),
        (_("Relationship to the organization"), _(relationship_label(request.relationship))),
        (_("For whom"), _(acting_for_label(request.acting_for))),
        *([(_("Person concerned"), _one_line(request.subject_name or ""))] if request.acting_for != "self" else []),
        (_("Patient or file number"), _one_line(request.file_reference or "") or "—"),
        (_("Received"), f"{_day(received_at.date(), language)} {received_at:%H:%M} UTC"),
        # When the site's laws set no deadline, the date is the organization's own target, and is called so.
        (_("Legal due date") if legal else _("Target date (no legal deadline)"), _day(request.due_on, language)),
        (_("Email address confirmed"), _("yes") if confirmed else _("not yet")),
    ]
    width = max(len(label) for label, _value in rows)
    body = "\n".join(
        [
            _("A rights request was sent through the online form of %(site)s.")
            % {"site": organization(site, language)},
            "",
        ]
        + [f"{label.ljust(width)}  {value}" for label, value in rows]
        + [
            "",
            _("Details:"),
            "",
            visible(details),
            "",
            (
                _(
                    "Reply to this email to answer the requester. The site asks for proof of identity (see its notice): "
                    "check it before answering."
                )
                if site.notice.rights.identity_proof
                else _(
                    "Reply to this email to answer the requester. The requester has not proved their identity: "
                    "ask for proof only if you have reasonable doubt."
                )
            ),
            _("When the request is answered: %(command)s requests close %(reference)s")
            % {"reference": reference, "command": server_command()},
        ]
    )
    subject = _("Rights request %(reference)s: %(rights)s") % {
        "reference": reference,
        "rights": _rights(rights, language),
    }
    message = _message(site, language, sender, inbox, subject, body, reference, "dpo", received_at)
    message.address("Reply-To", name, email)
    return _mail(message, reference, "dpo", inbox, sender)


def _identity(site: Site, language: str) -> list[str]:
    """What the requester is told of proving who they are: the site's own rule, when it has one."""
    _ = translator(language)
    rule = site.notice.rights.identity_proof
    if rule:
        return [_("How to prove your identity:"), _MARKUP.sub("", pick(rule, language))]
    return [_("If there is reasonable doubt about your identity, we may ask you for proof of it.")]


# The site's Markdown, as a plain-text mail shows it.
_MARKUP = re.compile(r"[*_`]+")


def acknowledgment(
    site: Site,
    sender: str,
    request: StoredRequest,
    *,
    legal: bool,
    confirm_url: str,
    confirm_days: int,
    status_url: str | None = None,
) -> Mail:
    """The requester's acknowledgment of ``request``, in its language; a due date is promised only when the
    site's laws set one (``legal``)."""
    language, reference, rights, received_at = request.language, request.reference, request.rights, request.received_at
    email = request.email or ""
    due_on = request.due_on if legal else None
    _ = translator(language)
    org = organization(site, language)
    body = "\n".join(
        [
            _("Hello,"),
            "",
            _("%(organization)s has received your request (%(rights)s) on %(date)s.")
            % {"organization": org, "rights": _rights(rights, language), "date": _day(received_at.date(), language)},
            "",
            _("Your reference: %(reference)s") % {"reference": reference},
            *([_("We will answer by %(date)s at the latest.") % {"date": _day(due_on, language)}] if due_on else []),
            "",
            _("Please confirm that this address is yours by opening this link within %(days)s days:")
            % {"days": confirm_days},
            confirm_url,
            "",
            *([_("See where your request stands, at any time:"), status_url, ""] if status_url else []),
            *_identity(site, language),
            _("If you did not make this request, ignore this email."),
            "",
            org,
        ]
    )
    subject = _("Your request to %(organization)s: reference %(reference)s") % {
        "organization": org,
        "reference": reference,
    }
    message = _message(site, language, sender, email, subject, body, reference, "acknowledgment", received_at)
    message["Auto-Submitted"] = "auto-generated"
    return _mail(message, reference, "acknowledgment", email, sender)


def confirmed_to_dpo(site: Site, inbox: str, sender: str, *, reference: str, confirmed_at: datetime) -> Mail:
    language = site.languages[0]
    _ = translator(language)
    body = _("The requester of %(reference)s confirmed their email address on %(date)s.") % {
        "reference": reference,
        "date": _day(confirmed_at.date(), language),
    }
    subject = _("Rights request %(reference)s: address confirmed") % {"reference": reference}
    message = _message(site, language, sender, inbox, subject, body, reference, "confirmed", confirmed_at)
    message["In-Reply-To"] = message_id(reference, "dpo", sender)
    message["References"] = message_id(reference, "dpo", sender)
    return _mail(message, reference, "confirmed", inbox, sender)


def extension_notice(
    site: Site,
    language: str,
    sender: str,
    *,
    reference: str,
    email: str,
    reason: str,
    due_on: date,
    sent_at: datetime,
    legal: bool = True,
) -> Mail:
    _ = translator(language)
    org = organization(site, language)
    body = "\n".join(
        [
            _("Hello,"),
            "",
            (
                _("About your request %(reference)s: we need more time to answer it, as the law allows.")
                if legal
                else _("About your request %(reference)s: we need more time to answer it.")
            )
            % {"reference": reference},
            _("Reason: %(reason)s") % {"reason": reason},
            _("We will answer by %(date)s at the latest.") % {"date": _day(due_on, language)},
            "",
            org,
        ]
    )
    subject = _("Your request %(reference)s: new answer date") % {"reference": reference}
    message = _message(site, language, sender, email, subject, body, reference, "extension", sent_at)
    message["Auto-Submitted"] = "auto-generated"
    message["References"] = message_id(reference, "acknowledgment", sender)
    return _mail(message, reference, "extension", email, sender)
