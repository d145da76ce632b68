"""The notice format: one declaration for validation and for the JSON Schema.

Every model forbids unknown keys so that a typo (``retenion:``) is reported
instead of silently ignored. Free text is a mapping from language to text;
names and addresses may be a single string shared by all languages.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from .codes import (
    CookieCategory,
    CookieParty,
    EndOfRetention,
    HealthDataCondition,
    LegalBasis,
    NoticeRole,
    PeopleCategory,
    ProvisionRequirement,
    RecipientKind,
    Right,
    SecurityMeasure,
    SpecialCategory,
    TransferSafeguard,
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
_DURATION = re.compile(r"^\s*(\d{1,4})\s+(day|week|month|year)s?\s*$")


def _no_raw_html(value: str) -> str:
    if _RAW_HTML.search(value):
        raise PydanticCustomError("raw_html", "raw HTML is not allowed")
    return value


Sentence = Annotated[str, StringConstraints(min_length=1, max_length=20000), AfterValidator(_no_raw_html)]
# Translated free text: {fr: "…", en: "…"}. Markdown is allowed, raw HTML is not.
Text = dict[LanguageCode, Sentence]
# A name or an address line: one string for every language, or translated.
Label = Sentence | dict[LanguageCode, Sentence]


def _duration(value: str) -> str:
    if not _DURATION.match(value):
        raise PydanticCustomError("duration", "a duration such as '6 months' or '1 year'")
    return value


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
    address: Address | None = None
    website: Url | None = None


class Representative(Strict):
    name: str
    title: Label


class Organization(Strict):
    name: Label
    legal_form: Label | None = None
    registration: str | None = Field(None, description="Company or FINESS number")
    contact: Contact | None = None
    representative: Representative | None = None


class JointController(Strict):
    id: Identifier
    name: Label
    contact: Contact | None = None
    responsibilities: Text = Field(description="What this controller does under the arrangement")


class JointArrangement(Strict):
    essence: Text = Field(description="The essence of the Art. 26 arrangement, as made available to people")
    rights_contact: Identifier = Field(description="Who answers rights requests: 'publisher' or a joint controller id")


class Dpo(Strict):
    name: str | None = None
    organization: Label | None = None
    contact: Contact | None = Field(None, description="Leave out only if there is truly none; the check reports it")


class Processor(Strict):
    id: Identifier
    name: Label
    service: Text
    country: CountryCode | None = None
    sub_processor_of: Identifier | None = Field(None, description="The id of the processor that engaged this one")


class PeopleGroup(Strict):
    id: PeopleCategory
    description: Text | None = None


class DataCategory(Strict):
    id: Identifier
    name: Text
    examples: Text | None = None
    special: SpecialCategory | None = Field(None, description="Marks a special category of data (GDPR Art. 9/10)")
    source: Text | None = Field(None, description="Where the data comes from when not from the person")


class Recipient(Strict):
    id: Identifier
    kind: RecipientKind
    name: Label | None = None
    details: Text | None = None


class Provision(Strict):
    requirement: ProvisionRequirement
    consequences: Text | None = Field(None, description="What happens if the person does not provide the data")


class Retention(Strict):
    duration: Duration | None = None
    starting: Text | None = Field(None, description="The event the duration runs from")
    criteria: Text | None = Field(None, description="How the period is set, when it is not a fixed duration")
    then: EndOfRetention = EndOfRetention.deletion
    archive_for: Duration | None = None


class ProcessingActivity(Strict):
    id: Identifier
    purpose: Text
    details: Text | None = None
    people: list[PeopleCategory] = Field(min_length=1)
    data: list[Identifier] = Field(min_length=1, description="Ids from data_categories")
    legal_basis: LegalBasis | None = Field(
        None, description="Required in a controller's notice; in a processor's notice the client decides it"
    )
    legitimate_interest: Text | None = None
    special_condition: HealthDataCondition | None = Field(
        None, description="GDPR Art. 9(2) condition, required when the data includes a special category"
    )
    provision: Provision | None = None
    recipients: list[Identifier] = Field(default_factory=list, description="Ids from recipients")
    retention: Retention | None = None


class Transfer(Strict):
    destination: CountryCode
    recipient: Identifier | None = None
    safeguard: TransferSafeguard
    details: Text | None = None


class RightsChannels(Strict):
    email: Email | None = None
    address: Address | None = None
    online_form: bool = Field(False, description="Offer the online rights-request form")


class Rights(Strict):
    offered: list[Right] = Field(min_length=1)
    channels: RightsChannels | None = None
    handled_by: Text | None = Field(None, description="Who to turn to, when it is not the publisher")
    identity_proof: Text | None = None
    notes: Text | None = None
    request_retention: Duration | None = Field(
        None, description="How long the personal data of an answered online request is kept, e.g. '1 year'"
    )


class Jurisdiction(Strict):
    laws: list[Identifier] = Field(min_length=1, description="Ids from content/_registry.yaml laws")
    authority: Identifier | None = Field(None, description="Id from content/_registry.yaml authorities")


class Security(Strict):
    measures: list[SecurityMeasure] = Field(default_factory=list)
    details: Text | None = None


class Cookie(Strict):
    name: str = Field(min_length=1, max_length=200)
    provider: Label
    party: CookieParty = CookieParty.first
    category: CookieCategory
    purpose: Text
    duration: Duration | Literal["session"]


class Cookies(Strict):
    notes: Text | None = Field(None, description="Anything to add about cookies, shown above the table")
    consent_lifetime_months: int = Field(6, ge=1, le=13, description="How long a choice is remembered (CNIL: at most 13)")
    items: list[Cookie] = Field(default_factory=list)


class ChangelogEntry(Strict):
    version: str
    date: date
    changes: Text


class Notice(Strict):
    """One organization's privacy notice: the whole of a content file."""

    languages: list[LanguageCode] = Field(min_length=1, description="The first is the default language")
    base_url: Url | None = Field(None, description="Where the built pages are published, for canonical links")
    website: Url | None = None
    title: Text | None = None
    version: str | None = None
    effective_date: date | None = None
    changelog: list[ChangelogEntry] = Field(default_factory=list)

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
    transfers: list[Transfer] | Literal["none"] | None = None
    rights: Rights
    security: Security | None = None
    automated_decisions: Text | Literal["none"] | None = None
    minors: Text | None = None
    cookies: Cookies = Field(default_factory=Cookies)
    changes_policy: Text | None = None


class Law(Strict):
    title: Label
    url: Url | None = None
    grants: list[Right] = Field(default_factory=list, description="Rights this law adds beyond the basics")


class Deadline(Strict):
    months: int = Field(ge=1, le=12)
    extension_months: int = Field(0, ge=0, le=12)


class Authority(Strict):
    name: Label
    contact: Contact
    complaint_url: Url | None = None


class Registry(Strict):
    """Laws and supervisory authorities, shared by every site: data, not code."""

    laws: dict[Identifier, Law]
    authorities: dict[Identifier, Authority]
    response_deadline: dict[Identifier, Deadline] = Field(
        default_factory=dict, description="Per law id: how long an organization has to answer"
    )


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
