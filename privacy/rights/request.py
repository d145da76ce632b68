"""A rights request as the visitor sends it, and the checks it must pass.

Every rejection names the field and says what to do, in the page's language;
the messages are catalog ids (``N_``) translated when the page is rendered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..codes import N_, PeopleCategory, Right
from ..content import Site
from .invisible import has_invisible

# “Other” lets a relative, a former employee… say who they are in the details.
OTHER = "other"
NAME_MAX = 200
EMAIL_MAX = 254
DETAILS_MAX = 5000
FILE_REFERENCE_MAX = 100
HONEYPOT = "website"
# A lint error (privacy/lint.py), kept here so that it lives in this feature's catalog.
NO_INBOX = N_(
    "online_form is true, but no inbox would receive its requests, so the site would have no form (its page would "
    "answer 404, and the notice would not link it): give rights.channels.email or the DPO's email, or remove "
    "online_form"
)
NO_REQUEST_RETENTION = N_(
    "the online form collects the requesters' personal data: say how long it is kept once a request is closed "
    "(rights.request_retention, e.g. “1 year”); without it the form could not say, and closed requests would be "
    "kept for ever"
)
FIELDS = ("rights", "name", "email", "acting_for", "subject_name", "relationship", "details", "file_reference")
SUBJECT_NAME_MAX = 200

# For whom the request is made. Who may act for a minor, a protected adult or a deceased patient, and with which
# proof, is the organization's to check; the form says what it will ask for, and the DPO sees it in the request.
SELF = "self"
ACTING_FOR: dict[str, tuple[str, str]] = {
    SELF: (N_("For myself"), ""),
    "minor": (
        N_("For a minor in my care (parent or guardian)"),
        N_(
            "We will ask for proof that you hold parental authority or guardianship (such as a family record book, "
            "a birth certificate or a court decision), as well as proof of who you are."
        ),
    ),
    "represented": (
        N_("For an adult I legally represent (guardianship, power of attorney)"),
        N_(
            "We will ask for the decision or the document that appoints you (a court decision, a power of "
            "attorney), as well as proof of who you are."
        ),
    ),
    "deceased": (
        N_("For a deceased person (relative, heir)"),
        N_(
            "We will ask for the death certificate, proof of your relationship to the deceased person (such as a "
            "family record book or a certificate of inheritance) and the reason for your request, as well as "
            "proof of who you are."
        ),
    ),
}

# Anything a mail header could be split on, or that a DPO could not see.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class RightsRequest:
    site: str
    language: str
    rights: tuple[Right, ...]
    name: str
    email: str
    relationship: str  # a PeopleCategory value, or OTHER
    details: str
    file_reference: str
    acting_for: str = SELF  # a key of ACTING_FOR
    subject_name: str = ""  # the person the request is about, when it is not the requester


@dataclass(frozen=True)
class Invalid:
    """The form as typed, and one message per field in error."""

    values: dict[str, str | list[str]]
    errors: dict[str, str]


def inbox(site: Site) -> str | None:
    """Where requests go: the rights channel's email, else the DPO's."""
    channels = site.notice.rights.channels
    if channels and channels.email:
        return channels.email
    dpo = site.notice.dpo
    if dpo and dpo != "none" and dpo.contact and dpo.contact.email:
        return dpo.contact.email
    return None


def form_offered(site: Site) -> bool:
    channels = site.notice.rights.channels
    return bool(channels and channels.online_form and inbox(site))


def relationships(site: Site) -> list[str]:
    return [group.id.value for group in site.notice.people] + [OTHER]


# One person of each group, as the form asks “You are …” and the DPO's mail says who wrote: the codes' own
# labels name the groups (“Patients”), in the notice's lists.
A_PERSON_OF = {
    PeopleCategory.patients: N_("A patient"),
    PeopleCategory.website_visitors: N_("A visitor of this website"),
    PeopleCategory.staff: N_("A member of staff"),
    PeopleCategory.job_applicants: N_("A job applicant"),
    PeopleCategory.professional_users: N_("A professional user of our services"),
    PeopleCategory.business_contacts: N_("A business contact"),
    PeopleCategory.clinical_trial_participants: N_("A participant in a clinical trial"),
}


def relationship_label(value: str) -> str:
    if value == OTHER:
        return N_("Other (please explain in the details)")
    return A_PERSON_OF[PeopleCategory(value)]


def _one(form: Mapping[str, Sequence[str]], name: str) -> str:
    values = form.get(name) or [""]
    return unicodedata.normalize("NFC", values[0]).strip()


def parse(site: Site, language: str, form: Mapping[str, Sequence[str]]) -> RightsRequest | Invalid:
    offered = [r.value for r in site.notice.rights.offered]
    rights = [unicodedata.normalize("NFC", v) for v in form.get("rights", [])]
    name = _one(form, "name")
    email = _one(form, "email")
    relationship = _one(form, "relationship")
    # Line breaks are kept in the details but never in a one-line field.
    details = _one(form, "details").replace("\r\n", "\n")
    file_reference = _one(form, "file_reference")
    acting_for = _one(form, "acting_for") or SELF
    subject_name = _one(form, "subject_name") if acting_for != SELF else ""
    values: dict[str, str | list[str]] = {
        "rights": rights,
        "name": name,
        "email": email,
        "relationship": relationship,
        "details": details,
        "file_reference": file_reference,
        "acting_for": acting_for,
        "subject_name": subject_name,
    }
    normalized, email_error = _email(email)
    found = {
        "rights": _rights_error(rights, offered),
        "name": _name_error(name),
        "email": email_error,
        "relationship": _relationship_error(relationship, site),
        "details": _details_error(details),
        "file_reference": _file_reference_error(file_reference),
        "acting_for": None if acting_for in ACTING_FOR else N_("Choose for whom you make this request."),
        "subject_name": _subject_name_error(subject_name) if acting_for in ACTING_FOR and acting_for != SELF else None,
    }
    errors = {field: error for field, error in found.items() if error}
    if errors:
        return Invalid(values, errors)
    ordered = tuple(Right(r) for r in offered if r in rights)
    return RightsRequest(
        site.id, language, ordered, name, normalized, relationship, details, file_reference, acting_for, subject_name
    )


def acting_for_label(value: str) -> str:
    return ACTING_FOR.get(value, ACTING_FOR[SELF])[0]


def _subject_name_error(name: str) -> str | None:
    if not name:
        return N_("Enter the full name of the person the request is about.")
    elif len(name) > SUBJECT_NAME_MAX:
        return N_("Shorten the name of the person to at most 200 characters.")
    elif _CONTROL.search(name) or "@" in name:
        return N_("Write the name of the person on one line, without special characters or email address.")
    elif has_invisible(name):
        return N_(
            "The name of the person holds an invisible character (such as a text-direction mark or a zero-width "
            "space, often copied with pasted text): type it again."
        )
    return None


def _rights_error(rights: list[str], offered: list[str]) -> str | None:
    if not rights:
        return N_("Choose at least one right.")
    elif any(r not in offered for r in rights) or len(set(rights)) != len(rights):
        return N_("Choose only among the rights listed.")
    return None


def _name_error(name: str) -> str | None:
    if not name:
        return N_("Enter your name.")
    elif len(name) > NAME_MAX:
        return N_("Shorten your name to at most 200 characters.")
    elif _CONTROL.search(name):
        return N_("Write your name on one line, without special characters.")
    elif has_invisible(name):
        return N_(
            "Your name holds an invisible character (such as a text-direction mark or a zero-width "
            "space, often copied with pasted text): type it again."
        )
    elif "@" in name:
        # In a reply the DPO's mail program shows the name: one that reads as an address would pose as it.
        return N_("Write your name here, not an email address: the address goes in the next field.")
    return None


def _email(email: str) -> tuple[str, str | None]:
    """The address as the outbox writes it, or the problem with it."""
    if not email:
        return "", N_("Enter your email address.")
    elif len(email) > EMAIL_MAX or _CONTROL.search(email):
        return "", N_("Enter a valid email address, such as name@example.fr.")
    elif has_invisible(email):
        return "", N_(
            "Your email address holds an invisible character (such as a text-direction mark or a "
            "zero-width space, often copied with pasted text): type it again."
        )
    else:
        # Imported here: the build reads this module (for the lint) and never validates an address.
        from email_validator import EmailNotValidError, validate_email

        try:
            # No DNS look-up: it would leak the address to a resolver and fail offline.
            checked = validate_email(email, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError:
            return "", N_("Enter a valid email address, such as name@example.fr.")
        return checked.ascii_email or checked.normalized, None


def _relationship_error(relationship: str, site: Site) -> str | None:
    if not relationship:
        return N_("Say how you are related to us.")
    elif relationship not in relationships(site):
        return N_("Choose one of the options listed.")
    return None


def _details_error(details: str) -> str | None:
    if not details:
        return N_("Describe your request.")
    elif len(details) > DETAILS_MAX:
        return N_("Shorten the details to at most 5000 characters.")
    elif _CONTROL.sub("", details.replace("\n", "").replace("\t", "")) != details.replace("\n", "").replace("\t", ""):
        return N_("Remove the special characters from the details.")
    return None


def _file_reference_error(file_reference: str) -> str | None:
    if len(file_reference) > FILE_REFERENCE_MAX:
        return N_("Shorten the reference to at most 100 characters.")
    elif _CONTROL.search(file_reference):
        return N_("Write the reference on one line, without special characters.")
    elif has_invisible(file_reference):
        return N_(
            "The reference holds an invisible character (such as a text-direction mark or "
            "a zero-width space, often copied with pasted text): type it again."
        )
    return None
