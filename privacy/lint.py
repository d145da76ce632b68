"""Completeness (GDPR Art. 13/14) and translation checks on a valid notice.

These are warnings: the notice builds, but a DPO or an auditor would ask for
what is missing. ``build.py check --strict`` makes them fail the check.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .codes import N_, LegalBasis, NoticeRole, Right
from .content import Site
from .model import Notice, Registry
from .problems import Problem
from .rights.request import NO_INBOX
from .source import FieldPath

# Rights every GDPR-style law grants; any other must come from a law of the notice.
_BASE_RIGHTS = {
    Right.access, Right.rectification, Right.erasure, Right.restriction,
    Right.objection, Right.portability, Right.withdraw_consent,
}


def _warn(site: Site, path: FieldPath, message: str, **params: str) -> Problem:
    return Problem(site.source.path, site.source.line_of(path), path, message, params, severity="warning")


def _texts(value: Any, path: FieldPath, found: list[tuple[FieldPath, dict[str, str]]]) -> None:
    """Every translated text in a model, with its path, into ``found``."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            if isinstance(item, (BaseModel, list, dict)):  # the other fields (codes, dates, plain strings) hold none
                _texts(item, (*path, name), found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, (BaseModel, list, dict)):
                _texts(item, (*path, index), found)
    elif value and all(isinstance(v, str) for v in value.values()):
        found.append((path, value))


def lint_translations(site: Site) -> list[Problem]:
    wanted = site.notice.languages
    problems = []
    texts: list[tuple[FieldPath, dict[str, str]]] = []
    _texts(site.notice, (), texts)
    for path, text in texts:
        if path and path[-1] in ("laws", "authorities"):
            continue
        missing = [lang for lang in wanted if not text.get(lang, "").strip()]
        extra = [lang for lang in text if lang not in wanted]
        if missing:
            problems.append(_warn(site, path, N_("no text in %(missing)s: add it beside %(present)s"),
                                  missing=", ".join(missing), present=", ".join(sorted(text)) or "—"))
        if extra:
            problems.append(_warn(site, path, N_("text in %(extra)s, which is not one of the site's languages"),
                                  extra=", ".join(extra)))
    return problems


def _has_contact(contact: Any) -> bool:
    return bool(contact and (contact.email or contact.address or contact.phone))


def lint_completeness(site: Site, registry: Registry | None) -> list[Problem]:
    n: Notice = site.notice
    out: list[Problem] = []
    if not _has_contact(n.publisher.contact):
        out.append(_warn(site, ("publisher",), N_("give the organization's contact details (an address or an email)")))
    if n.dpo is None:
        out.append(_warn(site, (), N_("say whether there is a data protection officer: give their contact, or write “dpo: none”")))
    elif n.dpo != "none" and not (n.dpo.contact and (n.dpo.contact.email or n.dpo.contact.address)):
        out.append(_warn(site, ("dpo",), N_("a DPO is announced without a contact: add an email or a postal address")))
    if n.role is NoticeRole.processor and not n.acting_for:
        out.append(_warn(site, ("role",), N_("a processor's notice should say which controllers it acts for (acting_for)")))
    if n.jurisdiction.authority is None:
        out.append(_warn(site, ("jurisdiction",), N_("name the supervisory authority people can complain to")))
    if n.transfers is None:
        out.append(_warn(site, (), N_("say whether data leaves the EU: list the transfers, or write “transfers: none”")))
    if n.automated_decisions is None:
        out.append(_warn(site, (), N_("say whether decisions are made by automated means: describe them, or write “automated_decisions: none”")))
    if n.effective_date is None or n.version is None:
        out.append(_warn(site, (), N_("give the version of this notice and the date it takes effect")))
    special = {d.id for d in n.data_categories if d.special}
    for i, activity in enumerate(n.processing):
        where = ("processing", i)
        if activity.legal_basis is None and n.role is NoticeRole.controller:
            out.append(_warn(site, (*where, "legal_basis"), N_("give the legal basis of this processing")))
        if activity.legal_basis is LegalBasis.legitimate_interests and not activity.legitimate_interest:
            out.append(_warn(site, (*where, "legitimate_interest"), N_("the legal basis is legitimate interests: state the interest pursued")))
        if special.intersection(activity.data) and not activity.special_condition:
            out.append(_warn(site, (*where, "special_condition"), N_("this processing uses health or other special data: give the GDPR Art. 9 condition that allows it")))
        if activity.retention is None:
            out.append(_warn(site, where, N_("say how long the data is kept (retention)")))
        elif not (activity.retention.duration or activity.retention.criteria):
            out.append(_warn(site, (*where, "retention"), N_("give a duration or the criteria used to set it")))
        if activity.legal_basis is LegalBasis.consent and Right.withdraw_consent not in n.rights.offered:
            out.append(_warn(site, ("rights", "offered"), N_("a processing relies on consent: offer the right to withdraw it")))
    channels = n.rights.channels
    if not (channels and (channels.email or channels.address or channels.online_form)) and not n.rights.handled_by:
        out.append(_warn(site, ("rights",), N_("say how to exercise these rights: an email, a postal address or the online form")))
    dpo_email = n.dpo.contact.email if n.dpo and n.dpo != "none" and n.dpo.contact else None
    if channels and channels.online_form and not (channels.email or dpo_email):
        out.append(_warn(site, ("rights", "channels", "online_form"), NO_INBOX))
    if registry is not None:
        granted = set(_BASE_RIGHTS)
        for law in n.jurisdiction.laws:
            if law in registry.laws:
                granted.update(registry.laws[law].grants)
        for i, right in enumerate(n.rights.offered):
            if right not in granted:
                out.append(_warn(site, ("rights", "offered", i), N_("none of this notice's laws grants “%(right)s”"), right=right.value))
    bases = {a.legal_basis for a in n.processing}
    expected = [Right.access, Right.rectification, Right.erasure, Right.restriction]
    if bases & {LegalBasis.legitimate_interests, LegalBasis.public_task}:
        expected.append(Right.objection)
    if bases & {LegalBasis.consent, LegalBasis.contract}:
        expected.append(Right.portability)
    for right in expected:
        if right not in n.rights.offered:
            out.append(_warn(site, ("rights", "offered"), N_("the right “%(right)s” applies to this processing: list it"), right=right.value))
    used = {ref for activity in n.processing for ref in activity.data}
    for i, category in enumerate(n.data_categories):
        if category.id not in used:
            out.append(_warn(site, ("data_categories", i), N_("no processing uses the data category “%(id)s”"), id=category.id))
    return out


def lint_site(site: Site, registry: Registry | None) -> list[Problem]:
    return lint_completeness(site, registry) + lint_translations(site)
