"""The mails that follow the acknowledgment: the answer's link, the one-time code that opens it (always in a
mail of its own, so that one intercepted mail is not enough), the request for proof of identity, the close with
its outcome (a refusal with its reason and the authority to complain to), and the DPO's daily digest.

Each is in the language the requester used (the digest: the site's first language), every word from the
catalogs; what the law says (the authority) comes from the registry through privacy/law.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ..command_line import server_command
from ..content import Site
from ..law import Jurisdiction
from ..text import pick
from .invisible import visible
from .lifecycle import OUTCOME_LABELS, Outcome
from .mail import _MARKUP, _day, _mail, _message, _one_line, _rights, message_id, organization, translator
from .outbox import Mail
from .request import ACTING_FOR, SELF


def _to_requester(
    site: Site,
    language: str,
    sender: str,
    email: str,
    reference: str,
    kind: str,
    subject: str,
    lines: list[str],
    sent_at: datetime,
) -> Mail:
    body = "\n".join([*lines, "", organization(site, language)])
    message = _message(site, language, sender, email, subject, body, reference, kind, sent_at)
    message["Auto-Submitted"] = "auto-generated"
    message["References"] = message_id(reference, "acknowledgment", sender)
    return _mail(message, reference, kind, email, sender)


def answer_link(
    site: Site,
    language: str,
    sender: str,
    *,
    reference: str,
    email: str,
    url: str,
    expires_on: date,
    note: str,
    sent_at: datetime,
    kind: str = "answer",
) -> Mail:
    """The link to the answer file: it opens only with the code of the next mail."""
    _ = translator(language)
    lines = [
        _("Hello,"),
        "",
        _("Our answer to your request %(reference)s is ready.") % {"reference": reference},
        *(["", visible(note), ""] if note.strip() else [""]),
        _("Download it from this link until %(date)s; it is deleted after that day:")
        % {"date": _day(expires_on, language)},
        url,
        "",
        _(
            "To protect it, the page asks for a one-time code, which we send you in a separate email. "
            "Never forward these emails."
        ),
    ]
    subject = _("Your request %(reference)s: our answer") % {"reference": reference}
    return _to_requester(site, language, sender, email, reference, kind, subject, lines, sent_at)


def one_time_code(
    site: Site,
    language: str,
    sender: str,
    *,
    reference: str,
    email: str,
    code: str,
    minutes: int,
    purpose: str,
    sent_at: datetime,
) -> Mail:
    """A code for the answer's download (``purpose`` "answer") or for the status page ("status")."""
    _ = translator(language)
    what = (
        _("Your code to open our answer to request %(reference)s:")
        if purpose == "answer"
        else _("Your code to see where your request %(reference)s stands:")
    )
    lines = [
        _("Hello,"),
        "",
        what % {"reference": reference},
        "",
        f"    {code}",
        "",
        _("It works once, within %(minutes)s minutes. Nobody from our staff will ever ask you for it.")
        % {"minutes": minutes},
        _("If you did not ask for it, ignore this email: nothing is shown without it."),
    ]
    subject = _("Your one-time code for request %(reference)s") % {"reference": reference}
    # One Message-ID per code: the outbox sends a given id once.
    kind = f"code-{purpose}-{hashlib.sha256(code.encode()).hexdigest()[:10]}-{int(sent_at.timestamp())}"
    return _to_requester(site, language, sender, email, reference, kind, subject, lines, sent_at)


def identity_proof_request(
    site: Site,
    language: str,
    sender: str,
    *,
    reference: str,
    email: str,
    acting_for: str,
    due_on: date | None,
    sent_at: datetime,
    kind: str = "identity",
) -> Mail:
    """What the requester must provide to prove who they are (and their authority, for another person)."""
    _ = translator(language)
    rule = site.notice.rights.identity_proof
    how = (
        _MARKUP.sub("", pick(rule, language))
        if rule
        else _(
            "A copy of an identity document (identity card, passport or residence permit); you may hide what "
            "we do not need, such as the photo's background, the document number and the signature."
        )
    )
    representation = ACTING_FOR.get(acting_for, ACTING_FOR[SELF])[1]
    lines = [
        _("Hello,"),
        "",
        _("To answer your request %(reference)s we need to be sure that it comes from you.") % {"reference": reference},
        _("Please send us:"),
        "",
        how,
        *([_(representation)] if representation else []),
        "",
        _("Reply to this email with the documents attached. We keep them only as long as the request is handled."),
        *(
            [
                _(
                    "The time we have to answer runs from your request; we will answer by %(date)s at the "
                    "latest once we have what we need."
                )
                % {"date": _day(due_on, language)}
            ]
            if due_on
            else []
        ),
    ]
    subject = _("Your request %(reference)s: proof of identity needed") % {"reference": reference}
    return _to_requester(site, language, sender, email, reference, kind, subject, lines, sent_at)


def _authority(law: Jurisdiction, language: str) -> list[str]:
    _ = translator(language)
    authority = law.authority
    if authority is None:
        return [_("You may complain to the data protection authority of your country, or go to court.")]
    where = authority.complaint_url or (authority.contact.website if authority.contact else None)
    said = [
        _("You may complain to %(authority)s, or go to court.")
        % {"authority": _one_line(pick(authority.name, language))}
    ]
    if where:
        said.append(str(where))
    return said


def closed(
    site: Site,
    language: str,
    sender: str,
    *,
    reference: str,
    email: str,
    outcome: Outcome,
    reason: str,
    law: Jurisdiction,
    sent_at: datetime,
) -> Mail:
    """The request is closed: how, with the reason and the authority to complain to when it was not granted."""
    _ = translator(language)
    said = {
        "granted": _("We have granted your request %(reference)s; it is now closed."),
        "partial": _("We have granted your request %(reference)s in part; it is now closed."),
        "refused": _("We cannot grant your request %(reference)s; it is now closed."),
        "no-data": _("We hold no data about you concerning your request %(reference)s; it is now closed."),
        "withdrawn": _("As you asked, your request %(reference)s is withdrawn and closed."),
    }[outcome] % {"reference": reference}
    lines = [_("Hello,"), "", said]
    if reason.strip():
        lines += ["", _("Reason: %(reason)s") % {"reason": visible(reason)}]
    if outcome in ("refused", "partial", "no-data"):
        lines += ["", *_authority(law, language)]
    subject = _("Your request %(reference)s: %(outcome)s") % {
        "reference": reference,
        "outcome": _(OUTCOME_LABELS[outcome]),
    }
    return _to_requester(site, language, sender, email, reference, "closed", subject, lines, sent_at)


@dataclass(frozen=True)
class DigestLine:
    reference: str
    site: str
    received_on: date
    due_on: date
    rights: tuple[str, ...]  # Right values


@dataclass(frozen=True)
class Digest:
    """What the DPO's inbox hears of each morning; an empty one is not sent."""

    due_soon: Sequence[DigestLine]
    overdue: Sequence[DigestLine]
    unconfirmed: Sequence[DigestLine]

    @property
    def empty(self) -> bool:
        return not (self.due_soon or self.overdue or self.unconfirmed)


def digest_text(digest: Digest, language: str, today: date) -> str:
    """The digest's body, as ``requests remind --dry-run`` prints it and the mail holds it."""
    _ = translator(language)
    from ..codes import Right

    def section(title: str, lines: Sequence[DigestLine]) -> list[str]:
        if not lines:
            return []
        rows = [
            f"  {line.reference}  {line.site}  "
            + _("due %(date)s") % {"date": line.due_on.isoformat()}
            + f"  ({_rights(tuple(Right(r) for r in line.rights), language)})"
            for line in lines
        ]
        return [f"{title} ({len(lines)})", *rows, ""]

    return "\n".join(
        [
            _("Rights requests that need you, on %(date)s:") % {"date": _day(today, language)},
            "",
            *section(_("Overdue"), digest.overdue),
            *section(_("Due within 7 days"), digest.due_soon),
            *section(_("Address not confirmed after a week"), digest.unconfirmed),
            _("See each one with: %(command)s requests show REFERENCE") % {"command": server_command()},
        ]
    )


def digest_mail(
    site: Site, inbox: str, sender: str, digest: Digest, today: date, sent_at: datetime, again: str = ""
) -> Mail:
    """``again``: a digest asked for by hand after the day's, a mail of its own."""
    language = site.languages[0]
    _ = translator(language)
    body = digest_text(digest, language, today)
    subject = _("Rights requests: %(overdue)s overdue, %(soon)s due within 7 days") % {
        "overdue": len(digest.overdue),
        "soon": len(digest.due_soon),
    }
    # One per inbox and day, whatever the instance that writes it: the outbox sends a Message-ID once.
    reference = f"digest-{today.isoformat()}"
    kind = "digest-" + hashlib.sha256(inbox.encode()).hexdigest()[:12] + (f"-{again}" if again else "")
    message = _message(site, language, sender, inbox, subject, body, reference, kind, sent_at)
    message["Auto-Submitted"] = "auto-generated"
    return _mail(message, reference, kind, inbox, sender)
