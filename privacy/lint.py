"""What a valid notice must still state under its laws, and its translations.

Each law of content/_registry.yaml lists the facts a notice under it must state, with the article that
says so. A fact a site's laws require and its source does not give is an error: nothing is published,
and the message names the field and the article. A site marked ``status: draft`` builds anyway, and
these are warnings. What no law requires is never asked for, and never printed when it is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from .codes import N_, LegalBasis, NoticeRole, RequiredFact, Right
from .content import Site
from .law import Jurisdiction, jurisdiction
from .model import Notice, Registry
from .problems import Problem
from .rights.request import NO_INBOX, NO_REQUEST_RETENTION
from .source import FieldPath
from .text import pick_marked

# A gap: where it is, what to add (a catalog id) and the message's parameters.
Gap = tuple[FieldPath, str, dict[str, str]]


def _has_contact(contact: Any) -> bool:
    return bool(contact and (contact.email or contact.address or contact.phone))


def _controller_contact(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if not _has_contact(n.publisher.contact):
        yield ("publisher",), N_("give the organization's contact details (an address, an email or a phone)"), {}


def _dpo(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if n.dpo is not None and n.dpo != "none" and not (n.dpo.contact and (n.dpo.contact.email or n.dpo.contact.address)):
        yield ("dpo",), N_("a DPO is announced without a contact: add an email or a postal address"), {}


def _bases(activity: Any) -> set[LegalBasis]:
    return {b.basis for b in activity.legal_bases} | ({activity.legal_basis} if activity.legal_basis else set())


def _legal_basis(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    for i, activity in enumerate(n.processing):
        if not _bases(activity):
            yield ("processing", i, "legal_basis"), N_("give the legal basis of this processing"), {}


def _legitimate_interest(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    for i, activity in enumerate(n.processing):
        if LegalBasis.legitimate_interests in _bases(activity) and not activity.legitimate_interest:
            yield (
                (("processing", i, "legitimate_interest")),
                N_("the legal basis is legitimate interests: state the interest pursued"),
                {},
            )


def _retention(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    for i, activity in enumerate(n.processing):
        if activity.retention is None:
            yield ("processing", i), N_("say how long the data is kept (retention)"), {}
        elif not (activity.retention.duration or activity.retention.criteria):
            yield ("processing", i, "retention"), N_("give a duration or the criteria used to set it"), {}


def _sensitive_condition(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if law.sensitive is None:
        return
    sensitive = {d.id for d in n.data_categories if d.special in law.sensitive.categories}
    for i, activity in enumerate(n.processing):
        if sensitive.intersection(activity.data) and not activity.special_condition:
            yield (
                ("processing", i, "special_condition"),
                N_(
                    "this processing uses data the law protects more strictly: give the condition that allows it "
                    "(one of %(conditions)s)"
                ),
                {"conditions": ", ".join(law.sensitive.conditions)},
            )


def _withdraw_consent(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if any(LegalBasis.consent in _bases(a) for a in n.processing) and Right.withdraw_consent not in n.rights.offered:
        yield ("rights", "offered"), N_("a processing relies on consent: offer the right to withdraw it"), {}


def _rights_channel(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    channels = n.rights.channels
    joint = any(j.rights_contact and _has_contact(j.contact) for j in n.joint_controllers)
    if not (channels and (channels.email or channels.address or channels.online_form)) and not (
        n.rights.handled_by or n.rights.per_right or joint
    ):
        yield ("rights",), N_("say how to exercise these rights: an email, a postal address or the online form"), {}


def _complaint_authority(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if n.jurisdiction.authority is None:
        yield ("jurisdiction",), N_("name the supervisory authority people can complain to"), {}


def _provision(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if n.provision is not None:
        return
    if all(activity.provision is None for activity in n.processing):  # said nowhere: one message, not one a purpose
        yield (
            (),
            N_(
                "say whether providing the data is required, and what happens if it is not: once for every "
                "purpose (provision), or in each processing"
            ),
            {},
        )
        return
    for i, activity in enumerate(n.processing):
        if activity.provision is None:
            yield (
                ("processing", i),
                N_("say whether providing the data is required, and what happens if it is not (provision)"),
                {},
            )


def _automated_decisions(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if n.automated_decisions is None:
        yield (
            (),
            N_(
                "say whether decisions are made by automated means: describe them, or write “automated_decisions: none”"
            ),
            {},
        )


def _transfers(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if n.transfers is None:
        yield (
            (),
            N_("say whether data leaves the area the law protects: list the transfers, or write “transfers: none”"),
            {},
        )


def _formalities(n: Notice, law: Jurisdiction) -> Iterator[Gap]:
    if not n.jurisdiction.formalities:
        yield (
            ("jurisdiction",),
            N_("give the prior formalities made with the authority (jurisdiction.formalities: kind and number)"),
            {},
        )


RULES: dict[RequiredFact, Callable[[Notice, Jurisdiction], Iterator[Gap]]] = {
    RequiredFact.controller_contact: _controller_contact,
    RequiredFact.dpo: _dpo,
    RequiredFact.legal_basis: _legal_basis,
    RequiredFact.legitimate_interest: _legitimate_interest,
    RequiredFact.retention: _retention,
    RequiredFact.sensitive_condition: _sensitive_condition,
    RequiredFact.withdraw_consent: _withdraw_consent,
    RequiredFact.rights_channel: _rights_channel,
    RequiredFact.complaint_authority: _complaint_authority,
    RequiredFact.provision: _provision,
    RequiredFact.automated_decisions: _automated_decisions,
    RequiredFact.transfers: _transfers,
    RequiredFact.formalities: _formalities,
}

REQUIRED_BY = N_("required by %(law)s, %(article)s")


def _problem(
    site: Site, path: FieldPath, message: str, params: dict[str, str], severity: str, reason: str = ""
) -> Problem:
    return Problem(site.source.path, site.source.line_of(path), path, message, params, severity=severity, reason=reason)  # type: ignore[arg-type]


def _owed(n: Notice) -> str:
    """How a fact the law asks for and the source lacks is said: an error, a warning in a draft."""
    return "warning" if n.status == "draft" else "error"


def lint_requirements(site: Site, law: Jurisdiction) -> list[Problem]:
    """Every fact the site's laws require that its source does not give, once, with the first law asking."""
    n = site.notice
    severity = _owed(n)
    seen: set[tuple[FieldPath, str]] = set()
    out: list[Problem] = []
    for law_id, requirement in law.requirements:
        if n.role not in requirement.roles:
            continue
        for path, gap, params in RULES[requirement.fact](n, law):
            if (path, gap) in seen:
                continue
            seen.add((path, gap))
            out.append(
                _problem(
                    site, path, gap, {**params, "law": law_id, "article": requirement.article}, severity, REQUIRED_BY
                )
            )
    return out


def lint_references(site: Site, law: Jurisdiction) -> list[Problem]:
    """Rights, safeguards and conditions must be ones the site's laws know; rights they expect must be listed."""
    if not law.laws:  # no registry to hold the notice to
        return []
    return [
        *_rights_granted(site, law),
        *_rights_owed(site, law),
        *_transfers_known(site, law),
        *_conditions_known(site, law),
        *_formalities_known(site, law),
        *_consent_lifetime(site, law),
        *_inbox_and_data(site),
    ]


def _rights_granted(site: Site, law: Jurisdiction) -> list[Problem]:
    """Each right the notice offers is granted by one of its laws."""
    n = site.notice
    out: list[Problem] = []
    for i, right in enumerate(n.rights.offered):
        if right not in law.rights:
            out.append(
                _problem(
                    site,
                    ("rights", "offered", i),
                    N_(
                        "none of this notice's laws grants “%(_right)s”: "
                        "remove it, or add the law that grants it to jurisdiction.laws"
                    ),
                    {"_right": right.label},
                    "error",
                )
            )
    return out


def _rights_owed(site: Site, law: Jurisdiction) -> list[Problem]:
    """Each right its laws grant for its legal bases is listed (a controller's notice only)."""
    n = site.notice
    out: list[Problem] = []
    bases = {basis for a in n.processing for basis in _bases(a)}
    severity = _owed(n)
    if n.role is NoticeRole.controller:
        for right, granted in law.rights.items():
            applies = granted.granted.applies_to
            needed = applies is None or bool(bases.intersection(applies))
            if needed and right not in n.rights.offered:
                article = granted.granted.article or ""
                out.append(
                    _problem(
                        site,
                        ("rights", "offered"),
                        N_("the right “%(_right)s” (%(law)s, %(article)s) applies to this notice: list it"),
                        {"_right": right.label, "law": granted.law_id, "article": article},
                        severity,
                    )
                )
    return out


def _transfers_known(site: Site, law: Jurisdiction) -> list[Problem]:
    """A transfer leaves the area the law protects, under a safeguard that law knows."""
    n = site.notice
    out: list[Problem] = []
    if isinstance(n.transfers, list):
        for i, transfer in enumerate(n.transfers):
            if transfer.safeguard not in law.safeguards:
                out.append(
                    _problem(
                        site,
                        ("transfers", i, "safeguard"),
                        N_("“%(id)s” is no safeguard of this notice's laws: use one of %(known)s"),
                        {"id": transfer.safeguard, "known": ", ".join(law.safeguards) or "—"},
                        "error",
                    )
                )
            if law.area and transfer.destination in law.area.countries:
                out.append(
                    _problem(
                        site,
                        ("transfers", i, "destination"),
                        N_("“%(country)s” is inside the area the law protects: this is no transfer, remove it"),
                        {"country": transfer.destination},
                        "error",
                    )
                )
    return out


def _conditions_known(site: Site, law: Jurisdiction) -> list[Problem]:
    """A processing of sensitive data names a condition its laws know."""
    n = site.notice
    out: list[Problem] = []
    for i, activity in enumerate(n.processing):
        if activity.special_condition and activity.special_condition not in law.conditions:
            out.append(
                _problem(
                    site,
                    ("processing", i, "special_condition"),
                    N_("“%(id)s” is no condition of this notice's laws: use one of %(known)s"),
                    {"id": activity.special_condition, "known": ", ".join(law.conditions) or "—"},
                    "error",
                )
            )
    return out


def _formalities_known(site: Site, law: Jurisdiction) -> list[Problem]:
    """Each prior formality is one the authority named keeps."""
    n = site.notice
    out: list[Problem] = []
    authority = law.authority
    for i, formality in enumerate(n.jurisdiction.formalities):
        kinds = authority.formalities if authority else {}
        if formality.kind not in kinds:
            out.append(
                _problem(
                    site,
                    ("jurisdiction", "formalities", i, "kind"),
                    N_("“%(id)s” is no formality of the authority named: use one of %(known)s"),
                    {"id": formality.kind, "known": ", ".join(kinds) or "—"},
                    "error",
                )
            )
    return out


def _consent_lifetime(site: Site, law: Jurisdiction) -> list[Problem]:
    """A remembered choice lives in the widget's cookie: no longer than the authority lets a tracker live."""
    cookies = site.notice.cookies
    ceiling = law.authority.tracker_lifetime if law.authority else None
    if ceiling is None or not cookies.widget or cookies.consent_lifetime_months <= ceiling.months:
        return []
    return [
        _problem(
            site,
            ("cookies", "consent_lifetime_months"),
            N_(
                "a choice is remembered for %(months)s months, longer than the authority lets a cookie live "
                "(%(ceiling)s months, %(source)s): lower it"
            ),
            {"months": str(cookies.consent_lifetime_months), "ceiling": str(ceiling.months), "source": ceiling.source},
            "error",
        )
    ]


def _inbox_and_data(site: Site) -> list[Problem]:
    """An online form has an inbox and a retention period; each data category is used by a processing."""
    n = site.notice
    out: list[Problem] = _lint_inbox(site)
    used = {ref for activity in n.processing for ref in activity.data}
    for i, category in enumerate(n.data_categories):
        if category.id not in used:
            out.append(
                _problem(
                    site,
                    ("data_categories", i),
                    N_("no processing uses the data category “%(id)s”"),
                    {"id": category.id},
                    "warning",
                )
            )
    return out


def _lint_inbox(site: Site) -> list[Problem]:
    """Where the online form's requests go, said when it is not plain: a form with no inbox is not offered at all
    (its page answers 404), and a DPO without an email leaves the rights inbox alone to receive them."""
    n = site.notice
    channels = n.rights.channels
    if not (channels and channels.online_form):
        return []
    dpo = n.dpo if n.dpo and n.dpo != "none" else None
    dpo_email = dpo.contact.email if dpo and dpo.contact else None
    if not (channels.email or dpo_email):
        return [_problem(site, ("rights", "channels", "online_form"), NO_INBOX, {}, _owed(n))]
    out = []
    if n.rights.request_retention is None:
        out.append(_problem(site, ("rights", "channels", "online_form"), NO_REQUEST_RETENTION, {}, _owed(n)))
    if dpo is not None and not dpo_email and dpo.contact and dpo.contact.address:  # without any, _dpo says so
        out += [
            _problem(
                site,
                ("dpo", "contact"),
                N_(
                    "the DPO has no email address: the notice gives none for them, and the online form's requests go "
                    "to rights.channels.email (%(inbox)s) alone"
                ),
                {"inbox": str(channels.email)},
                "note",
            )
        ]
    return out


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
    """A text missing in one of the site's languages is an error (a warning in a draft): the page would show
    another language's text. A site that allows it (``language_fallback``) is told which text its page shows."""
    wanted = site.notice.languages
    fallback = site.notice.language_fallback
    severity = "warning" if fallback else _owed(site.notice)
    problems = []
    texts: list[tuple[FieldPath, dict[str, str]]] = []
    _texts(site.notice, (), texts)
    for path, text in texts:
        missing = [lang for lang in wanted if not text.get(lang, "").strip()]
        extra = [lang for lang in text if lang not in wanted]
        if missing:
            present = ", ".join(sorted(text)) or "—"
            message = N_("no text in %(missing)s: add it beside %(present)s")
            params = {"missing": ", ".join(missing), "present": present}
            if fallback:
                message = N_(
                    "no text in %(missing)s: the %(missing)s page shows the text in %(shown)s, marked as such; "
                    "add it beside %(present)s"
                )
                params["shown"] = pick_marked(text, missing[0])[1] or "—"
            problems.append(_problem(site, path, message, params, severity))
        if extra:
            problems.append(
                _problem(
                    site,
                    path,
                    N_("text in %(extra)s, which is not one of the site's languages"),
                    {"extra": ", ".join(extra)},
                    "warning",
                )
            )
    return problems


def lint_site(site: Site, registry: Registry | None) -> list[Problem]:
    law = jurisdiction(site.notice, registry)
    problems = lint_requirements(site, law) + lint_references(site, law) + lint_translations(site)
    if site.notice.status == "draft":
        problems = [replace(p, in_draft=True) if p.severity == "warning" else p for p in problems]
    return problems
