"""The record of processing activities (Art. 30) from the notice's own data, one row per processing.

Which columns a record has, in what order and under which heading, is the law's (content/_registry.yaml,
``record``): this module only knows how to fill a column named by a ``RecordFact``. A controller's notice gets
the controller's record; a processor's (``role: processor``) the processor's, for the controllers it acts for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from . import i18n
from .codes import N_, Code, NoticeRole, RecordFact
from .content import Site
from .law import Jurisdiction
from .model import Contact, Dpo, Organization, ProcessingActivity, RecordColumn, RecordOfProcessing
from .render import COLON, Renderer
from .text import french_spacing, pick
from .versions import ActivityDates

NONE = N_("None")
# Between items of one cell: a line each, which a spreadsheet shows with its cell's text wrapped.
ITEMS = "\n"


@dataclass(frozen=True)
class Column:
    fact: RecordFact
    heading: str
    article: str | None


@dataclass
class Register:
    site_id: str
    language: str
    title: str
    organization: str
    role: NoticeRole
    article: str
    draft: bool
    columns: list[Column]
    rows: list[list[str]] = field(default_factory=list)

    @property
    def headings(self) -> list[str]:
        return [column.heading for column in self.columns]


class NoRecord(Exception):
    """None of the site's laws describes the record this site's role keeps."""

    message = N_(
        "none of this site's laws (%(laws)s) describes a record of processing activities for a %(role)s: add "
        "`record` to its law in content/_registry.yaml"
    )


def _record(law: Jurisdiction) -> RecordOfProcessing | None:
    return next((one.record for one in law.laws if one.record is not None), None)


def record_columns(record: RecordOfProcessing, role: NoticeRole) -> list[RecordColumn]:
    return record.processor if role is NoticeRole.processor else record.controller


class _Cells:
    """Each fact of one processing, as the plain text of a cell in ``language``."""

    def __init__(
        self, site: Site, law: Jurisdiction, language: str, renderer: Renderer, dates: dict[str, ActivityDates]
    ) -> None:
        self.notice, self.law, self.language, self.dates = site.notice, law, language, dates
        self._macros = renderer.macros(language)
        # The source's own French gets French spacing, as on the pages.
        self._said: Callable[[str], str] = french_spacing if i18n.base_language(language) == "fr" else str
        self.data = {d.id: d for d in self.notice.data_categories}
        self.recipients = {r.id: r for r in self.notice.recipients}
        self.processors = {p.id: p for p in self.notice.processors}

    def _(self, message: str) -> str:
        return i18n.gettext(self.language, message)

    def t(self, value: Any) -> str:
        return _plain(self._said(pick(value, self.language))) if value else ""

    def label(self, code: Code) -> str:
        return self._(code.label)

    def day(self, value: date | None) -> str:
        return value.isoformat() if value else ""  # sorts and filters in a spreadsheet, in any language

    def contact(self, contact: Contact | None) -> list[str]:
        if contact is None:
            return []
        lines = []
        if contact.address:
            address = contact.address
            lines.append(
                ", ".join(
                    [
                        *(self.t(line) for line in address.lines),
                        f"{address.postcode} {self.t(address.city)}" if address.postcode else self.t(address.city),
                        i18n.country_name(address.country, self.language),
                    ]
                )
            )
        lines += [email for email in ([contact.email] if contact.email else []) + contact.emails]
        lines += [phone for phone in ([contact.phone] if contact.phone else []) + contact.phones]
        lines += [contact.website] if contact.website else []
        return lines

    def organization(self, org: Organization) -> str:
        lines = [self.t(org.name) + (f" ({self.t(org.legal_form)})" if org.legal_form else "")]
        lines += [f"{self.label(r.scheme)}{self._(COLON)} {r.number}" for r in org.registrations]
        if org.registration:
            lines.append(org.registration)
        lines += self.contact(org.contact)
        if org.representative:
            lines.append(f"{org.representative.name}, {self.t(org.representative.title)}")
        return ITEMS.join(lines)

    def dpo(self, dpo: Dpo | str | None) -> str:
        if not isinstance(dpo, Dpo):
            return ""
        lines = [part for part in (dpo.name, self.t(dpo.organization) if dpo.organization else None) if part]
        return ITEMS.join(lines + self.contact(dpo.contact))

    def retention(self, p: ProcessingActivity) -> str:
        return _plain(self._macros.retention(p.retention)) if p.retention else ""

    def transfers(self, p: ProcessingActivity) -> str:
        transfers = self.notice.transfers
        if transfers == "none":
            return self._(NONE)
        if not transfers:
            return ""
        # A transfer to a recipient of this processing, or to a processor when it has one, or to no one named.
        via_processors = any(
            self.recipients[r].kind.value == "processors" for r in p.recipients if r in self.recipients
        )
        lines = []
        for t in transfers:
            if (
                t.recipient
                and t.recipient not in p.recipients
                and not (via_processors and t.recipient in self.processors)
            ):
                continue
            rule = self.law.safeguards.get(t.safeguard)
            who = self._name_of(t.recipient) if t.recipient else ""
            safeguard = (self.t(rule.name) + (f" ({rule.article})" if rule.article else "")) if rule else t.safeguard
            place = i18n.country_name(t.destination, self.language) + (f" ({who})" if who else "")
            lines.append(f"{place}{self._(COLON)} {safeguard}")
        return ITEMS.join(lines)

    def _name_of(self, identifier: str) -> str:
        if identifier in self.recipients:
            r = self.recipients[identifier]
            return self.t(r.name) if r.name else self.label(r.kind)
        return self.t(self.processors[identifier].name) if identifier in self.processors else identifier

    def cell(self, fact: RecordFact, p: ProcessingActivity) -> str:
        return _FACTS[fact](self, p)


def _plain(html: str) -> str:
    """Text of rendered Markdown or a macro's markup, as a cell holds it."""
    return Markup(html).striptags() if "<" in html or "&" in html else " ".join(html.split())


def _legal_basis(c: _Cells, p: ProcessingActivity) -> str:
    lines = [c.label(p.legal_basis)] if p.legal_basis else []
    lines += [f"{c.label(b.basis)}{c._(COLON)} {c.t(b.scope)}" for b in p.legal_bases]
    if p.legitimate_interest:
        lines.append(c.t(p.legitimate_interest))
    return ITEMS.join(lines)


def _data(c: _Cells, p: ProcessingActivity) -> str:
    lines = []
    for identifier in p.data:
        category = c.data.get(identifier)
        if category is not None:
            examples = f" ({c.t(category.examples)})" if category.examples else ""
            lines.append(c.t(category.name) + examples)
    return ITEMS.join(lines)


def _special(c: _Cells, p: ProcessingActivity) -> str:
    special = [c.data[i].special for i in p.data if i in c.data and c.data[i].special]
    if not special:
        return c._(NONE)
    lines = [c.label(code) for code in dict.fromkeys(special) if code is not None]
    rule = c.law.conditions.get(p.special_condition or "")
    if rule is not None:
        lines.append(c.t(rule.name) + (f" ({rule.article})" if rule.article else ""))
    return ITEMS.join(lines)


def _recipients(c: _Cells, p: ProcessingActivity) -> str:
    lines = []
    for identifier in p.recipients:
        r = c.recipients.get(identifier)
        if r is not None:
            named = f" — {c.t(r.name)}" if r.name else ""
            lines.append(c.label(r.kind) + named + (f" ({c.t(r.details)})" if r.details else ""))
    return ITEMS.join(lines)


def _processors(c: _Cells, p: ProcessingActivity) -> str:
    # The site's processors serve every processing whose recipients include processors.
    if not any(c.recipients[r].kind.value == "processors" for r in p.recipients if r in c.recipients):
        return ""
    lines = []
    for processor in c.notice.processors:
        where = f", {i18n.country_name(processor.country, c.language)}" if processor.country else ""
        lines.append(f"{c.t(processor.name)}{where}{c._(COLON)} {c.t(processor.service)}")
    return ITEMS.join(lines)


def _security(c: _Cells, p: ProcessingActivity) -> str:
    security = c.notice.security
    if security is None:
        return ""
    return ITEMS.join([c.label(m) for m in security.measures] + ([c.t(security.details)] if security.details else []))


def _joint(c: _Cells, p: ProcessingActivity) -> str:
    lines = []
    for j in c.notice.joint_controllers:
        name = c.t(j.name) if j.name else c.t(j.described)
        lines.append(f"{name}{c._(COLON)} {c.t(j.responsibilities)}")
    return ITEMS.join(lines)


_FACTS: dict[RecordFact, Callable[[_Cells, ProcessingActivity], str]] = {
    RecordFact.reference: lambda c, p: p.id,
    RecordFact.activity: lambda c, p: c.t(p.purpose),
    RecordFact.details: lambda c, p: c.t(p.details),
    RecordFact.controller: lambda c, p: c.organization(c.notice.publisher),
    RecordFact.processor: lambda c, p: c.organization(c.notice.publisher),
    RecordFact.acting_for: lambda c, p: c.t(c.notice.acting_for),
    RecordFact.joint_controllers: _joint,
    RecordFact.dpo: lambda c, p: c.dpo(c.notice.dpo),
    RecordFact.legal_basis: _legal_basis,
    RecordFact.people: lambda c, p: ITEMS.join(c.label(person) for person in p.people),
    RecordFact.data: _data,
    RecordFact.special_data: _special,
    RecordFact.recipients: _recipients,
    RecordFact.processors: _processors,
    RecordFact.transfers: lambda c, p: c.transfers(p),
    RecordFact.retention: lambda c, p: c.retention(p),
    RecordFact.security: _security,
    RecordFact.created: lambda c, p: c.day(c.dates.get(p.id, ActivityDates()).created),
    RecordFact.last_changed: lambda c, p: c.day(c.dates.get(p.id, ActivityDates()).last_changed),
}


def register_language(site: Site, requested: str | None) -> str:
    """The language asked for when the site is written in it, else the site's first."""
    return requested if requested in site.languages else site.languages[0]


def build_register(
    site: Site,
    law: Jurisdiction,
    language: str,
    renderer: Renderer,
    dates: dict[str, ActivityDates] | None = None,
) -> Register:
    """The site's record in ``language``; raises NoRecord when none of its laws describes one for its role."""
    record = _record(law)
    columns = record_columns(record, site.notice.role) if record else []
    if record is None or not columns:
        raise NoRecord(", ".join(law.law_ids) or "—", site.notice.role.value)
    cells = _Cells(site, law, language, renderer, dates or {})
    register = Register(
        site_id=site.id,
        language=language,
        title=pick(record.title, language),
        organization=cells.t(site.notice.publisher.name),
        role=site.notice.role,
        article=record.article,
        draft=site.notice.status == "draft",
        columns=[
            Column(c.fact, pick(c.heading, language) if c.heading else cells.label(c.fact), c.article) for c in columns
        ],
    )
    register.rows = [[cells.cell(column.fact, p) for column in register.columns] for p in site.notice.processing]
    return register
