"""The notice in the W3C Data Privacy Vocabulary (DPV), as JSON-LD: ``/<site>/<lang>/notice.jsonld``.

The codes of a notice stand for DPV concepts through the tables below (the vocabulary's, for any law). What a
law adds, its own terms for legal bases, rights and transfer safeguards (the GDPR's DPV extension, say), comes
from the law in content/_registry.yaml (``dpv``). The context travels inside each document, so that a reader needs
no other file; vocab/dpv/ holds it and the vocabulary's term lists, which the tests check every term against.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .codes import (
    LegalBasis,
    NoticeRole,
    PeopleCategory,
    RecipientKind,
    SecurityMeasure,
    SpecialCategory,
)
from .content import Site
from .i18n import gettext
from .law import Jurisdiction
from .model import Contact, Dpo, Organization, ProcessingActivity, Retention
from .text import pick

VOCABULARY_DIR = Path(__file__).resolve().parent.parent / "vocab" / "dpv"
CONTEXT_FILE = VOCABULARY_DIR / "context.jsonld"
JSONLD_FILE = "notice.jsonld"
MEDIA_TYPE = "application/ld+json"

LEGAL_BASES = {
    LegalBasis.consent: "dpv:Consent",
    LegalBasis.contract: "dpv:Contract",
    LegalBasis.legal_obligation: "dpv:LegalObligation",
    LegalBasis.vital_interests: "dpv:VitalInterest",
    LegalBasis.public_task: "dpv:PublicInterest",
    LegalBasis.legitimate_interests: "dpv:LegitimateInterest",
}
DATA_SUBJECTS = {
    PeopleCategory.patients: "dpv:Patient",
    PeopleCategory.website_visitors: "dpv:Visitor",
    PeopleCategory.staff: "dpv:Employee",
    PeopleCategory.job_applicants: "dpv:JobApplicant",
    PeopleCategory.professional_users: "dpv:User",
    PeopleCategory.business_contacts: "dpv:DataSubject",
    PeopleCategory.clinical_trial_participants: "dpv:Participant",
}
SPECIAL_DATA = {
    SpecialCategory.health: "pd:Health",
    SpecialCategory.genetic: "pd:Genetic",
    SpecialCategory.biometric: "pd:Biometric",
    SpecialCategory.racial_ethnic_origin: "pd:EthnicOrigin",
    SpecialCategory.religious_beliefs: "pd:Religion",
    SpecialCategory.sex_life: "pd:Sexual",
    SpecialCategory.criminal_records: "pd:Criminal",
}
RECIPIENTS = {
    RecipientKind.internal_departments: "dpv:Recipient",
    RecipientKind.processors: "dpv:DataProcessor",
    RecipientKind.health_professionals: "dpv:Recipient",
    RecipientKind.public_authorities: "dpv:GovernmentalOrganisation",
    RecipientKind.judicial_authorities: "dpv:Authority",
    RecipientKind.health_agencies: "dpv:Authority",
    RecipientKind.controllers_clients: "dpv:DataController",
    RecipientKind.business_acquirer: "dpv:ThirdParty",
    RecipientKind.insurers: "dpv:ThirdParty",
    RecipientKind.independent_channels: "dpv:ThirdParty",
}
MEASURES = {
    SecurityMeasure.encryption_in_transit: "dpv:EncryptionInTransfer",
    SecurityMeasure.encryption_at_rest: "dpv:EncryptionAtRest",
    SecurityMeasure.access_control: "dpv:AccessControlMethod",
    SecurityMeasure.strong_authentication: "dpv:MultiFactorAuthentication",
    SecurityMeasure.activity_logging: "dpv:LoggingPolicy",
    SecurityMeasure.backups: "dpv:DataBackupProtocols",
    SecurityMeasure.security_audits: "dpv:SecurityAudit",
    SecurityMeasure.monitoring: "dpv:ActivityMonitoring",
    SecurityMeasure.certified_health_hosting: "dpv:Certification",
    SecurityMeasure.breach_notification: "dpv:DataBreachNotification",
}
# ISO 8601 designators of the canonical units (privacy/model.py, DURATION_UNITS).
_ISO_UNITS = {"year": "Y", "month": "M", "week": "W", "day": "D", "hour": "H", "minute": "M"}


@cache
def context() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    return dict(document["@context"])


def iso_duration(canonical: str) -> str:
    """“20 years” → P20Y, “30 minutes” → PT30M (canonical durations only, as the model stores them)."""
    amount, unit = canonical.split()
    unit = unit.rstrip("s")
    time = "T" if unit in ("hour", "minute") else ""
    return f"P{time}{amount}{_ISO_UNITS[unit]}"


def _ref(term: str) -> dict[str, str]:
    return {"@id": term}


class _Graph:
    """One site's notice in one language, node by node."""

    def __init__(self, site: Site, law: Jurisdiction, language: str, notice_iri: str | None) -> None:
        self.notice, self.law, self.language = site.notice, law, language
        self.site_id = site.id
        self.notice_iri = notice_iri or f"_:notice-{site.id}"
        self.extensions = [one.dpv for one in law.laws if one.dpv is not None]
        self.nodes: list[dict[str, Any]] = []

    def text(self, value: Any) -> dict[str, str] | None:
        said = pick(value, self.language) if value else ""
        return {"@value": said, "@language": self.language} if said else None

    def extension_terms(self, table: str, key: str) -> list[dict[str, str]]:
        """The law's own terms for ``key`` in one of its tables (legal_bases, rights, conditions, safeguards)."""
        return [_ref(getattr(ext, table)[key]) for ext in self.extensions if key in getattr(ext, table)]

    def contact(self, node: dict[str, Any], contact: Contact | None) -> None:
        if contact is None:
            return
        emails = ([contact.email] if contact.email else []) + contact.emails
        phones = ([contact.phone] if contact.phone else []) + contact.phones
        points = [f"mailto:{e}" for e in emails] + [f"tel:{p.replace(' ', '')}" for p in phones]
        if points:
            node["dpv:hasContact"] = points
        if contact.address:
            address = contact.address
            parts = [pick(line, self.language) for line in address.lines]
            parts.append(" ".join(p for p in (address.postcode, pick(address.city, self.language)) if p))
            node["dpv:hasAddress"] = ", ".join([*parts, address.country])
        if contact.website:
            node["rdfs:seeAlso"] = _ref(contact.website)

    def organization(self, identifier: str, kinds: list[str], org: Organization) -> dict[str, Any]:
        node: dict[str, Any] = {"@id": identifier, "@type": kinds, "dpv:hasName": pick(org.name, self.language)}
        self.contact(node, org.contact)
        return node

    def dpo(self, dpo: Dpo) -> dict[str, Any]:
        node: dict[str, Any] = {"@id": "_:dpo", "@type": "dpv:DataProtectionOfficer"}
        name = dpo.name or (pick(dpo.organization, self.language) if dpo.organization else None)
        if name:
            node["dpv:hasName"] = name
        self.contact(node, dpo.contact)
        return node

    def retention(self, retention: Retention) -> dict[str, Any]:
        node: dict[str, Any] = {"@type": "dpv:StorageDuration"}
        if retention.duration:
            node["dpv:hasDuration"] = {
                "@type": "dpv:Duration",
                "rdf:value": {"@value": iso_duration(retention.duration), "@type": "xsd:duration"},
            }
        description = self.text(retention.criteria) or self.text(retention.starting)
        if description:
            node["dct:description"] = description
        return node

    def process(self, p: ProcessingActivity, publisher: str) -> dict[str, Any]:
        node: dict[str, Any] = {
            "@id": f"_:process-{p.id}",
            "@type": "dpv:Process",
            "dct:identifier": p.id,
            "dpv:hasPurpose": {"@type": "dpv:Purpose", "dct:description": self.text(p.purpose)},
            "dpv:hasDataSubject": [_ref(DATA_SUBJECTS[person]) for person in p.people],
            "dpv:hasPersonalData": [_ref(f"_:data-{d}") for d in p.data],
            "dpv:hasNotice": _ref(self.notice_iri),
        }
        if self.notice.role is NoticeRole.processor:
            node["dpv:hasDataProcessor"] = _ref(publisher)
        else:
            node["dpv:hasDataController"] = _ref(publisher)
        bases = ([p.legal_basis] if p.legal_basis else []) + [b.basis for b in p.legal_bases]
        if bases:
            node["dpv:hasLegalBasis"] = [
                term
                for basis in bases
                for term in [_ref(LEGAL_BASES[basis]), *self.extension_terms("legal_bases", basis.value)]
            ]
        if p.special_condition:
            node.setdefault("dpv:hasLegalBasis", []).extend(self.extension_terms("conditions", p.special_condition))
        if p.recipients:
            node["dpv:hasRecipient"] = [_ref(f"_:recipient-{r}") for r in p.recipients]
        if p.retention:
            node["dpv:hasStorageCondition"] = self.retention(p.retention)
        return node

    def data_category(self, category: Any) -> dict[str, Any]:
        node: dict[str, Any] = {
            "@id": f"_:data-{category.id}",
            "@type": "dpv:SpecialCategoryPersonalData" if category.special else "dpv:PersonalData",
            "skos:prefLabel": self.text(category.name),
        }
        if category.special:
            node["skos:broader"] = _ref(SPECIAL_DATA[category.special])
        if category.examples:
            node["skos:scopeNote"] = self.text(category.examples)
        return node

    def recipient(self, recipient: Any) -> dict[str, Any]:
        node: dict[str, Any] = {"@id": f"_:recipient-{recipient.id}", "@type": RECIPIENTS[recipient.kind]}
        label = pick(recipient.name, self.language) if recipient.name else gettext(self.language, recipient.kind.label)
        node["dpv:hasName"] = label
        if recipient.details:
            node["dct:description"] = self.text(recipient.details)
        return node

    def transfer(self, index: int, transfer: Any, publisher: str) -> dict[str, Any]:
        node: dict[str, Any] = {
            "@id": f"_:transfer-{index}",
            "@type": "dpv:Process",
            "dpv:hasProcessing": _ref("dpv:CrossBorderTransfer"),
            "dpv:hasThirdCountry": {"@type": "dpv:ThirdCountry", "skos:notation": transfer.destination},
            "dpv:hasDataExporter": _ref(publisher),
        }
        if transfer.recipient:
            kind = "recipient" if any(r.id == transfer.recipient for r in self.notice.recipients) else "processor"
            node["dpv:hasRecipient"] = _ref(f"_:{kind}-{transfer.recipient}")
        terms = self.extension_terms("safeguards", transfer.safeguard)
        if terms:
            node["dpv:hasLegalBasis"] = terms
        rule = self.law.safeguards.get(transfer.safeguard)
        if rule is not None:
            node["dct:description"] = self.text(rule.name)
        return node

    def rights(self) -> list[dict[str, Any]]:
        rights: list[dict[str, Any]] = []
        for right in self.notice.rights.offered:
            terms = self.extension_terms("rights", right.value)
            rights += terms or [
                {
                    "@type": "dpv:DataSubjectRight",
                    "skos:prefLabel": self.text({self.language: gettext(self.language, right.label)}),
                }
            ]
        return rights

    def publisher(self, publisher: str) -> dict[str, Any]:
        n = self.notice
        kinds = ["dpv:DataProcessor"] if n.role is NoticeRole.processor else ["dpv:DataController"]
        organization = self.organization(publisher, kinds, n.publisher)
        measures = [_ref(MEASURES[m]) for m in (n.security.measures if n.security else [])]
        if measures:
            organization["dpv:hasTechnicalOrganisationalMeasure"] = measures
        if isinstance(n.dpo, Dpo):
            organization["dpv:hasDataProtectionOfficer"] = _ref("_:dpo")
        return organization

    def page(self, publisher: str) -> dict[str, Any]:
        """The notice itself: its title, version and dates, its laws, rights and authority."""
        n = self.notice
        notice: dict[str, Any] = {
            "@id": self.notice_iri,
            "@type": "dpv:PrivacyNotice",
            "dct:language": self.language,
            "dpv:hasProcess": [_ref(f"_:process-{p.id}") for p in n.processing],
            "dpv:hasRight": self.rights(),
            "dpv:hasApplicableLaw": [
                {
                    "@type": "dpv:Law",
                    "dct:title": pick(one.title, self.language),
                    **({"rdfs:seeAlso": _ref(one.url)} if one.url else {}),
                }
                for one in self.law.laws
            ],
        }
        notice["dpv:hasDataController" if n.role is NoticeRole.controller else "dpv:hasDataProcessor"] = _ref(publisher)
        facts = {
            "dct:title": self.text(n.title),
            "dct:hasVersion": n.version,
            "dct:valid": {"@value": n.effective_date.isoformat(), "@type": "xsd:date"} if n.effective_date else None,
            "dct:modified": {"@value": n.last_updated.isoformat(), "@type": "xsd:date"} if n.last_updated else None,
        }
        notice |= {key: value for key, value in facts.items() if value}
        if self.law.authority is not None:
            authority = self.law.authority
            node: dict[str, Any] = {
                "@type": "dpv:DataProtectionAuthority",
                "dpv:hasName": pick(authority.name, self.language),
            }
            self.contact(node, authority.contact)
            notice["dpv:hasAuthority"] = node
        if n.joint_controllers:
            notice["dpv:hasJointDataControllers"] = {
                "@type": "dpv:JointDataControllers",
                "dpv:hasEntity": [_ref(publisher), *(_ref(f"_:joint-{j.id}") for j in n.joint_controllers)],
            }
        return notice

    def processor(self, processor: Any) -> dict[str, Any]:
        node = {
            "@id": f"_:processor-{processor.id}",
            "@type": "dpv:DataProcessor",
            "dpv:hasName": pick(processor.name, self.language),
            "dct:description": self.text(processor.service),
        }
        if processor.country:
            node["dpv:hasCountry"] = {"@type": "dpv:Country", "skos:notation": processor.country}
        return node

    def build(self) -> dict[str, Any]:
        n = self.notice
        publisher = "_:publisher"
        self.nodes = [self.page(publisher), self.publisher(publisher)]
        if isinstance(n.dpo, Dpo):
            self.nodes.append(self.dpo(n.dpo))
        for joint in n.joint_controllers:
            named = pick(joint.name, self.language) if joint.name else pick(joint.described, self.language)
            self.nodes.append({"@id": f"_:joint-{joint.id}", "@type": "dpv:DataController", "dpv:hasName": named})
        self.nodes += [self.process(p, publisher) for p in n.processing]
        self.nodes += [self.data_category(d) for d in n.data_categories]
        self.nodes += [self.recipient(r) for r in n.recipients]
        self.nodes += [self.processor(p) for p in n.processors]
        if isinstance(n.transfers, list):
            self.nodes += [self.transfer(i, t, publisher) for i, t in enumerate(n.transfers, 1)]
        return {"@context": self.context(), "@graph": self.nodes}

    def context(self) -> dict[str, Any]:
        # The law's extension namespaces join the vocabulary's own prefixes.
        return {**context(), **{ext.prefix: ext.namespace for ext in self.extensions}}


def notice_jsonld(site: Site, law: Jurisdiction, language: str, notice_iri: str | None) -> str:
    """The document of ``site`` in ``language``; ``notice_iri``: the page's absolute address, when known."""
    document = _Graph(site, law, language, notice_iri).build()
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
