"""The notice format: one declaration for validation and for the JSON Schema.

Every model forbids unknown keys so that a typo (``retenion:``) is reported
instead of silently ignored. Free text is a mapping from language to text;
names and addresses may be a single string shared by all languages.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from .codes import (
    Commitment,
    CookieCategory,
    CookieParty,
    EndOfRetention,
    LegalBasis,
    NoticeRole,
    PeopleCategory,
    ProvisionRequirement,
    RecipientKind,
    RecordFact,
    RegistrationScheme,
    RequiredFact,
    RetentionState,
    Right,
    SecurityMeasure,
    SpecialCategory,
)

# The validation messages (privacy/validation.py) are keyed by these patterns.
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
IDENTIFIER_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"
URL_PATTERN = r"^https?://[^\s<>\"]+$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"

LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN, max_length=64)]
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, max_length=254)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN, max_length=2000)]
CountryCode = Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)]

_RAW_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>")
_DURATION = re.compile(r"^\s*(\d{1,4})\s+([^\W\d_]+)\s*$")
# The units legal staff write, in either language, to the one the code and CLDR use.
DURATION_UNITS = {
    "minute": "minute",
    "minutes": "minute",
    "min": "minute",
    "hour": "hour",
    "hours": "hour",
    "heure": "hour",
    "heures": "hour",
    "day": "day",
    "days": "day",
    "jour": "day",
    "jours": "day",
    "week": "week",
    "weeks": "week",
    "semaine": "week",
    "semaines": "week",
    "month": "month",
    "months": "month",
    "mois": "month",
    "year": "year",
    "years": "year",
    "an": "year",
    "ans": "year",
    "année": "year",
    "années": "year",
}


def _no_raw_html(value: str) -> str:
    if _RAW_HTML.search(value):
        raise PydanticCustomError("raw_html", "raw HTML is not allowed")
    return value


Sentence = Annotated[str, StringConstraints(min_length=1, max_length=20000), AfterValidator(_no_raw_html)]
# Translated free text: {fr: "…", en: "…"}. Markdown is allowed, raw HTML is not.
Text = dict[LanguageCode, Sentence]
# A name or an address line: one string for every language, or translated.
Label = Sentence | dict[LanguageCode, Sentence]


def canonical_duration(value: str) -> str | None:
    """“13 mois”, “30 minutes”, “1 an” → “13 months”, “30 minutes”, “1 year”; None when it is no duration."""
    match = _DURATION.match(value)
    unit = DURATION_UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        return None
    amount = int(match.group(1))
    return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"


def _duration(value: str) -> str:
    canonical = canonical_duration(value)
    if canonical is None:
        raise PydanticCustomError("duration", "a duration such as '6 months' or '1 year'")
    return canonical


Duration = Annotated[str, AfterValidator(_duration)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Address(Strict):
    lines: list[Label] = Field(min_length=1, description="Street, building, P.O. box…")
    postcode: str | None = None
    city: Label
    country: CountryCode = Field(description="ISO 3166 two-letter code, e.g. FR, MA")


class Contact(Strict):
    email: Email | None = None
    phone: str | None = None
    emails: list[Email] = Field(default_factory=list, description="More email addresses, besides email")
    phones: list[str] = Field(default_factory=list, description="More phone numbers, besides phone")
    address: Address | None = None
    website: Url | None = None


class Representative(Strict):
    name: str
    title: Label


class Registration(Strict):
    """An official number: SIREN, SIRET, RCS, FINESS, ICE, RC…"""

    scheme: RegistrationScheme
    number: str = Field(min_length=1, max_length=100)
    details: Label | None = Field(None, description="E.g. the registry's city: “RCS Strasbourg”")


class Organization(Strict):
    name: Label
    legal_form: Label | None = None
    registration: str | None = Field(None, description="Company or FINESS number")
    registrations: list[Registration] = Field(default_factory=list)
    contact: Contact | None = None
    representative: Representative | None = None


class JointController(Strict):
    id: Identifier
    name: Label | None = Field(None, description="Leave out when it has no fixed identity, and describe it instead")
    described: Text | None = Field(
        None,
        description="Who it is when it has no fixed identity: “the care structure treating you; its details are on "
        "its own website”",
    )
    legal_form: Label | None = None
    registrations: list[Registration] = Field(default_factory=list)
    contact: Contact | None = None
    responsibilities: Text = Field(description="What this controller does under the arrangement")
    rights_contact: bool = Field(False, description="People may exercise their rights with it (Art. 26(3): with any)")

    @model_validator(mode="after")
    def _named_or_described(self) -> JointController:
        if self.name is None and self.described is None:
            raise PydanticCustomError("named_or_described", "give a name, or describe who it is")
        return self


class JointArrangement(Strict):
    essence: Text = Field(description="The essence of the Art. 26 arrangement, as made available to people")
    rights_contact: Identifier = Field(description="Who answers rights requests: 'publisher' or a joint controller id")
    publisher_responsibilities: Text | None = Field(
        None, description="The publisher's own share of the responsibilities"
    )


class Dpo(Strict):
    name: str | None = None
    organization: Label | None = None
    contact: Contact | None = Field(None, description="Leave out only if there is truly none; the check reports it")


class Processor(Strict):
    id: Identifier
    name: Label
    service: Text
    legal_form: Label | None = None
    registrations: list[Registration] = Field(default_factory=list)
    address: Address | None = None
    country: CountryCode | None = None
    sub_processor_of: Identifier | None = Field(None, description="The id of the processor that engaged this one")
    processor_of: list[Identifier] = Field(
        default_factory=list,
        description="Whose processor it is: 'publisher' or joint controller ids (default: the publisher)",
    )


class PeopleGroup(Strict):
    id: PeopleCategory
    description: Text | None = None


class DataCategory(Strict):
    id: Identifier
    name: Text
    examples: Text | None = None
    special: SpecialCategory | None = Field(None, description="Marks data a law protects more strictly")
    source: Text | None = Field(None, description="Where the data comes from when not from the person")


class Recipient(Strict):
    id: Identifier
    kind: RecipientKind
    name: Label | None = None
    details: Text | None = None


class ControllerProvision(Strict):
    controller: Identifier = Field(description="'publisher' or a joint controller id")
    requirement: ProvisionRequirement
    consequences: Text | None = None


class Provision(Strict):
    requirement: ProvisionRequirement
    consequences: Text | None = Field(None, description="What happens if the person does not provide the data")
    by_controller: list[ControllerProvision] = Field(
        default_factory=list, description="Where joint controllers differ: what each requires"
    )


class RetentionStage(Strict):
    """A later stage of keeping: archived for N, say, before the end of the retention."""

    state: RetentionState
    duration: Duration | None = None
    criteria: Text | None = None


class Retention(Strict):
    duration: Duration | None = None
    starting: Text | None = Field(None, description="The event the duration runs from")
    criteria: Text | None = Field(None, description="How the period is set, when it is not a fixed duration")
    stages: list[RetentionStage] = Field(default_factory=list, description="What follows the active period, in order")
    then: EndOfRetention | None = Field(None, description="What happens at the end: printed only when stated")
    archive_for: Duration | None = None
    after_erasure_request: Duration | None = Field(
        None, description="Deleted within at most this long after an erasure request"
    )
    after_withdrawal: Text | None = Field(
        None, description="What happens once consent is withdrawn or an account closed"
    )


class ScopedLegalBasis(Strict):
    basis: LegalBasis
    scope: Text = Field(description="What this basis covers")


class ProcessingActivity(Strict):
    id: Identifier
    purpose: Text
    details: Text | None = None
    people: list[PeopleCategory] = Field(min_length=1)
    data: list[Identifier] = Field(min_length=1, description="Ids from data_categories")
    legal_basis: LegalBasis | None = Field(
        None, description="Required in a controller's notice; in a processor's notice the client decides it"
    )
    legal_bases: list[ScopedLegalBasis] = Field(
        default_factory=list, description="Several legal bases, each with what it covers (instead of legal_basis)"
    )
    legitimate_interest: Text | None = None
    special_condition: Identifier | None = Field(
        None,
        description="The condition of the law that allows special (sensitive) data: an id of its sensitive.conditions",
    )
    provision: Provision | None = None
    recipients: list[Identifier] = Field(default_factory=list, description="Ids from recipients")
    retention: Retention | None = None


class Transfer(Strict):
    destination: CountryCode
    recipient: Identifier | None = None
    safeguard: Identifier = Field(description="An id of the law's transfer_safeguards")
    details: Text | None = None


class RightsChannels(Strict):
    email: Email | None = None
    address: Address | None = None
    online_form: bool = Field(False, description="Offer the online rights-request form")


class RightChannel(Strict):
    """Where one right is exercised when it is not through the usual channels."""

    email: Email | None = None
    url: Url | None = None
    details: Text | None = None


class Rights(Strict):
    offered: list[Right] = Field(min_length=1)
    channels: RightsChannels | None = None
    per_right: dict[Right, RightChannel] = Field(
        default_factory=dict, description="A channel of its own for a right, e.g. erasure through the personal space"
    )
    handled_by: Text | None = Field(None, description="Who to turn to, when it is not the publisher")
    identity_proof: Text | None = None
    notes: Text | None = None
    request_retention: Duration | None = Field(
        None, description="How long the personal data of an answered online request is kept, e.g. '1 year'"
    )


class Formality(Strict):
    """A declaration or an authorisation made with the authority before processing."""

    kind: Identifier = Field(description="An id of the authority's formalities, e.g. declaration, authorisation")
    number: str = Field(min_length=1, max_length=200)
    issued: date | None = None
    processing: list[Identifier] = Field(default_factory=list, description="Ids of the processing it covers")


class Jurisdiction(Strict):
    laws: list[Identifier] = Field(min_length=1, description="Ids from content/_registry.yaml laws")
    authority: Identifier | None = Field(None, description="Id from content/_registry.yaml authorities")
    formalities: list[Formality] = Field(default_factory=list)


class Security(Strict):
    measures: list[SecurityMeasure] = Field(default_factory=list)
    details: Text | None = None


class Cookie(Strict):
    name: str | None = Field(
        None, min_length=1, max_length=200, description="Leave out only when the source does not give it"
    )
    provider: Label
    party: CookieParty = CookieParty.first
    category: CookieCategory
    purpose: Text
    duration: Duration | Literal["session"] | None = Field(
        None, description="Leave out only when the source does not give it"
    )


class CookieCategoryDeclaration(Strict):
    """An optional category the site uses, declared before each of its cookies is named."""

    id: CookieCategory
    purpose: Text
    provider: CookieParty = Field(description="Who sets them: this site (first) or third parties (third)")
    max_lifetime: Duration | Literal["session"]


# The signals of Google Consent Mode v2 (https://developers.google.com/tag-platform/security/concepts/consent-mode).
ConsentModeSignal = Literal["ad_storage", "analytics_storage", "ad_user_data", "ad_personalization"]
# The widget's own ceiling on how long a choice is remembered, whatever the law. An authority's may be lower
# (`tracker_lifetime` in content/_registry.yaml, which the check holds each site to).
MAX_CONSENT_LIFETIME_MONTHS = 24


class Cookies(Strict):
    notes: Text | None = Field(None, description="Anything to add about cookies, shown above the table")
    consent_lifetime_months: int = Field(
        6,
        ge=1,
        le=MAX_CONSENT_LIFETIME_MONTHS,
        description="How long a choice is remembered, in months: at most the authority's tracker_lifetime",
    )
    only_strictly_necessary: bool = Field(
        False, description="Say so when the site sets no cookie but strictly necessary ones: the notice then states it"
    )
    widget: bool = Field(True, description="The site uses the consent widget (its own cookie is then listed)")
    categories: list[CookieCategoryDeclaration] = Field(
        default_factory=list,
        description="Optional categories, declared with their purpose before every cookie is named",
    )
    items: list[Cookie] = Field(default_factory=list)
    google_consent_mode: dict[ConsentModeSignal, Annotated[list[CookieCategory], Field(min_length=1)]] | None = Field(
        None,
        description="Only for a site that uses Google tags: the optional categories each Google Consent Mode v2 "
        "signal needs (granted once all of them are allowed). The widget then sets every signal to denied before "
        "any tag runs and updates them from the visitor's choices; leave out and nothing of Google is touched",
    )

    @model_validator(mode="after")
    def _consent_mode_from_optional_categories(self) -> Cookies:
        offered = {c.category for c in self.items} | {c.id for c in self.categories}
        for signal, needed in (self.google_consent_mode or {}).items():
            for category in needed:
                if category is CookieCategory.strictly_necessary or category not in offered:
                    raise PydanticCustomError(
                        "consent_mode_category",
                        "{signal} needs {category}, which is not an optional category of this site",
                        {"signal": signal, "category": category.value},
                    )
        return self


class Service(Strict):
    name: Label
    website: Url | None = None


class ChangelogEntry(Strict):
    version: str
    date: date
    changes: Text


class Notice(Strict):
    """One organization's privacy notice: the whole of a content file."""

    languages: list[LanguageCode] = Field(min_length=1, description="The first is the default language")
    language_fallback: bool = Field(
        False,
        description="Publish a page where one of its texts is missing in its language, showing that text in "
        "another language, marked as such; without it a missing text is an error",
    )
    base_url: Url | None = Field(None, description="Where the built pages are published, for canonical links")
    website: Url | None = None
    title: Text | None = None
    status: Literal["published", "draft"] = Field(
        "published", description="A draft builds with what it lacks; its pages say “draft” and are not indexed"
    )
    version: str | None = None
    effective_date: date | None = None
    last_updated: date | None = Field(None, description="When the notice was last changed, if after it took effect")
    changelog: list[ChangelogEntry] = Field(default_factory=list)

    service: Service | None = Field(None, description="The named service the notice is about, when not the publisher")
    role: NoticeRole = NoticeRole.controller
    publisher: Organization
    acting_for: Text | None = Field(None, description="For a processor's notice: the controllers it acts for")
    joint_controllers: list[JointController] = Field(default_factory=list)
    joint_arrangement: JointArrangement | None = None
    dpo: Dpo | Literal["none"] | None = None
    processors: list[Processor] = Field(default_factory=list)

    jurisdiction: Jurisdiction
    introduction: Text | None = None
    people: list[PeopleGroup] = Field(min_length=1)
    data_categories: list[DataCategory] = Field(min_length=1)
    recipients: list[Recipient] = Field(default_factory=list)
    processing: list[ProcessingActivity] = Field(min_length=1)
    provision: Provision | None = Field(
        None, description="Whether providing the data is required, for every processing that does not say it itself"
    )
    transfers: list[Transfer] | Literal["none"] | None = None
    rights: Rights
    security: Security | None = None
    automated_decisions: Text | Literal["none"] | None = None
    minors: Text | None = None
    cookies: Cookies = Field(default_factory=Cookies)
    commitments: list[Commitment] = Field(default_factory=list, description="E.g. no_sale, no_targeted_advertising")
    changes_policy: Text | None = None


Article = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Area(Strict):
    """Where a law protects data: a transfer is what leaves it."""

    name: Text = Field(description="The area as named in a sentence, e.g. “the European Economic Area”")
    outside: Text = Field(description="“Outside” it, as written in a heading or a sentence, e.g. “hors du Maroc”")
    countries: list[CountryCode] = Field(min_length=1, description="ISO codes of the countries inside it")


class Deadline(Strict):
    """How long an organization has to answer; a law names months or days, or nothing at all."""

    months: int | None = Field(None, ge=1, le=12)
    days: int | None = Field(None, ge=1, le=365)
    extension_months: int = Field(0, ge=0, le=12, description="How much longer it may take for complex requests")
    article: Article | None = None
    older_than_years: int | None = Field(None, ge=1, description="Data older than this many years …")
    older_months: int | None = Field(None, ge=1, le=12, description="… is answered within this many months")

    @model_validator(mode="after")
    def _one_period(self) -> Deadline:
        if (self.months is None) == (self.days is None):
            raise PydanticCustomError("deadline_period", "give months or days")
        return self


class LawRight(Strict):
    """A right as one law grants it."""

    article: Article | None = None
    explanation: Text = Field(description="What the right lets a person do, in this law's terms")
    applies_to: list[LegalBasis] | None = Field(
        None,
        description="The notice must list this right when a processing has one of these legal bases; "
        "leave out: always (an empty list: never required)",
    )
    deadline: Deadline | None = Field(None, description="A deadline of its own for this right")


class NamedRule(Strict):
    """A safeguard or a condition a law provides, with its wording and its article."""

    name: Text
    article: Article | None = None


class SensitiveData(Strict):
    """Data a law protects more strictly, in that law's vocabulary."""

    term: Text = Field(description="Its name in a sentence, e.g. “special category of data”, “donnée sensible”")
    article: Article | None = None
    categories: list[SpecialCategory] = Field(min_length=1)
    conditions: dict[Identifier, NamedRule] = Field(description="What lifts the ban, by id")


class Requirement(Strict):
    fact: RequiredFact
    article: Article
    roles: list[NoticeRole] = Field(
        default_factory=lambda: [NoticeRole.controller], description="The kinds of notice that must state it"
    )


class RecordColumn(Strict):
    """One column of a law's record of processing activities."""

    fact: RecordFact
    heading: Text | None = Field(
        None, description="The column's heading, e.g. the authority's template's; default: the fact's wording"
    )
    article: Article | None = None


class RecordOfProcessing(Strict):
    """The record of processing activities a law requires, column by column: one row per processing."""

    article: Article
    title: Text = Field(description="Its name, e.g. “Registre des activités de traitement”")
    controller: list[RecordColumn] = Field(min_length=1, description="The controller's record")
    processor: list[RecordColumn] = Field(default_factory=list, description="The processor's record (none: not kept)")


class Law(Strict):
    title: Label
    short: Label | None = Field(None, description="The name a citation uses, e.g. “RGPD” / “GDPR”")
    url: Url | None = None
    area: Area | None = Field(None, description="Where it protects data; transfers are what leaves it")
    rights: dict[Right, LawRight] = Field(default_factory=dict, description="The rights this law grants")
    transfer_safeguards: dict[Identifier, NamedRule] = Field(default_factory=dict)
    sensitive: SensitiveData | None = None
    requires: list[Requirement] = Field(default_factory=list, description="What a notice under this law must state")
    deadline: Deadline | None = Field(None, description="How long an organization has to answer a rights request")
    record: RecordOfProcessing | None = Field(None, description="The record of processing activities it requires")


class TrackerLifetime(Strict):
    """The longest an authority lets a cookie or other tracker live (the widget's own cookie included)."""

    months: int = Field(ge=1, le=MAX_CONSENT_LIFETIME_MONTHS)
    source: Article = Field(description="Where the authority says so")


class Authority(Strict):
    name: Label = Field(description="As written in a sentence, article included: “la Commission nationale …”")
    contact: Contact
    complaint_url: Url | None = None
    formalities: dict[Identifier, Text] = Field(
        default_factory=dict, description="Kinds of prior formalities made with it (declaration, authorisation), by id"
    )
    tracker_lifetime: TrackerLifetime | None = Field(
        None, description="Its ceiling on a tracker's lifetime, which a remembered consent choice may not exceed"
    )


class Registry(Strict):
    """Laws and supervisory authorities, shared by every site: data, not code."""

    laws: dict[Identifier, Law]
    authorities: dict[Identifier, Authority]


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
