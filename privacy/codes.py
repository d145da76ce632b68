"""The standard concepts of a notice, as codes.

Legal staff write a code (``legitimate_interests``); each language's wording
lives in the gettext catalogs. ``N_`` only marks a string for extraction: the
translation happens at render time, in the page's language.
"""

from __future__ import annotations

from enum import Enum


def N_(message: str) -> str:
    return message


class Code(str, Enum):
    """A closed set whose members render through the catalogs."""

    @property
    def label(self) -> str:
        return LABELS[(type(self), self.value)]

    @property
    def explanation(self) -> str:
        return EXPLANATIONS.get((type(self), self.value), "")


class LegalBasis(Code):
    consent = "consent"
    contract = "contract"
    legal_obligation = "legal_obligation"
    vital_interests = "vital_interests"
    public_task = "public_task"
    legitimate_interests = "legitimate_interests"


class HealthDataCondition(Code):
    """GDPR Art. 9(2): the condition that lifts the ban on special categories."""

    explicit_consent = "explicit_consent"
    employment_social_protection = "employment_social_protection"
    vital_interests = "vital_interests"
    made_public = "made_public"
    legal_claims = "legal_claims"
    substantial_public_interest = "substantial_public_interest"
    health_care = "health_care"
    public_health = "public_health"
    research_statistics = "research_statistics"


class SpecialCategory(Code):
    health = "health"
    genetic = "genetic"
    biometric = "biometric"
    racial_ethnic_origin = "racial_ethnic_origin"
    religious_beliefs = "religious_beliefs"
    sex_life = "sex_life"
    criminal_records = "criminal_records"


class Right(Code):
    access = "access"
    rectification = "rectification"
    erasure = "erasure"
    restriction = "restriction"
    objection = "objection"
    portability = "portability"
    withdraw_consent = "withdraw_consent"
    post_mortem_directives = "post_mortem_directives"


class PeopleCategory(Code):
    patients = "patients"
    website_visitors = "website_visitors"
    staff = "staff"
    job_applicants = "job_applicants"
    professional_users = "professional_users"
    business_contacts = "business_contacts"
    clinical_trial_participants = "clinical_trial_participants"


class RecipientKind(Code):
    internal_departments = "internal_departments"
    processors = "processors"
    health_professionals = "health_professionals"
    public_authorities = "public_authorities"
    judicial_authorities = "judicial_authorities"
    health_agencies = "health_agencies"
    controllers_clients = "controllers_clients"
    business_acquirer = "business_acquirer"


class CookieCategory(Code):
    strictly_necessary = "strictly_necessary"
    preferences = "preferences"
    audience_measurement = "audience_measurement"
    advertising = "advertising"
    social_media = "social_media"


class CookieParty(Code):
    first = "first"
    third = "third"


class TransferSafeguard(Code):
    adequacy_decision = "adequacy_decision"
    standard_contractual_clauses = "standard_contractual_clauses"
    binding_corporate_rules = "binding_corporate_rules"
    explicit_consent = "explicit_consent"
    contract_necessity = "contract_necessity"


class EndOfRetention(Code):
    deletion = "deletion"
    archiving = "archiving"
    anonymization = "anonymization"


class ProvisionRequirement(Code):
    statutory = "statutory"
    contractual = "contractual"
    contract_prerequisite = "contract_prerequisite"
    optional = "optional"


class SecurityMeasure(Code):
    encryption_in_transit = "encryption_in_transit"
    encryption_at_rest = "encryption_at_rest"
    access_control = "access_control"
    strong_authentication = "strong_authentication"
    activity_logging = "activity_logging"
    backups = "backups"
    security_audits = "security_audits"
    monitoring = "monitoring"
    certified_health_hosting = "certified_health_hosting"
    breach_notification = "breach_notification"


class NoticeRole(Code):
    controller = "controller"
    processor = "processor"


_LABELS: list[tuple[Code, str]] = [
    (LegalBasis.consent, N_("Consent")),
    (LegalBasis.contract, N_("Performance of a contract")),
    (LegalBasis.legal_obligation, N_("Legal obligation")),
    (LegalBasis.vital_interests, N_("Vital interests")),
    (LegalBasis.public_task, N_("Task in the public interest")),
    (LegalBasis.legitimate_interests, N_("Legitimate interests")),
    (HealthDataCondition.explicit_consent, N_("Explicit consent")),
    (HealthDataCondition.employment_social_protection, N_("Employment and social protection law")),
    (HealthDataCondition.vital_interests, N_("Vital interests of a person unable to consent")),
    (HealthDataCondition.made_public, N_("Data made public by the person")),
    (HealthDataCondition.legal_claims, N_("Establishment or defence of legal claims")),
    (HealthDataCondition.substantial_public_interest, N_("Substantial public interest")),
    (HealthDataCondition.health_care, N_("Medical diagnosis, care and the management of health services")),
    (HealthDataCondition.public_health, N_("Public interest in public health")),
    (HealthDataCondition.research_statistics, N_("Scientific research or statistics")),
    (SpecialCategory.health, N_("Health data")),
    (SpecialCategory.genetic, N_("Genetic data")),
    (SpecialCategory.biometric, N_("Biometric data")),
    (SpecialCategory.racial_ethnic_origin, N_("Racial or ethnic origin")),
    (SpecialCategory.religious_beliefs, N_("Religious or philosophical beliefs")),
    (SpecialCategory.sex_life, N_("Sex life or sexual orientation")),
    (SpecialCategory.criminal_records, N_("Criminal convictions and offences")),
    (Right.access, N_("Right of access")),
    (Right.rectification, N_("Right to rectification")),
    (Right.erasure, N_("Right to erasure")),
    (Right.restriction, N_("Right to restriction of processing")),
    (Right.objection, N_("Right to object")),
    (Right.portability, N_("Right to data portability")),
    (Right.withdraw_consent, N_("Right to withdraw consent")),
    (Right.post_mortem_directives, N_("Directives on your data after your death")),
    (PeopleCategory.patients, N_("Patients")),
    (PeopleCategory.website_visitors, N_("Website visitors")),
    (PeopleCategory.staff, N_("Staff")),
    (PeopleCategory.job_applicants, N_("Job applicants")),
    (PeopleCategory.professional_users, N_("Professional users")),
    (PeopleCategory.business_contacts, N_("Business contacts")),
    (PeopleCategory.clinical_trial_participants, N_("Clinical trial participants")),
    (RecipientKind.internal_departments, N_("Authorized internal departments")),
    (RecipientKind.processors, N_("Processors acting on our behalf")),
    (RecipientKind.health_professionals, N_("Health professionals involved in care")),
    (RecipientKind.public_authorities, N_("Public bodies")),
    (RecipientKind.judicial_authorities, N_("Judicial authorities and court officers")),
    (RecipientKind.health_agencies, N_("Health authorities")),
    (RecipientKind.controllers_clients, N_("Our clients, who are the controllers")),
    (RecipientKind.business_acquirer, N_("An acquirer, in case of merger or sale")),
    (CookieCategory.strictly_necessary, N_("Strictly necessary")),
    (CookieCategory.preferences, N_("Preferences")),
    (CookieCategory.audience_measurement, N_("Audience measurement")),
    (CookieCategory.advertising, N_("Advertising")),
    (CookieCategory.social_media, N_("Social media")),
    (CookieParty.first, N_("This site")),
    (CookieParty.third, N_("Third party")),
    (TransferSafeguard.adequacy_decision, N_("Adequacy decision")),
    (TransferSafeguard.standard_contractual_clauses, N_("Standard contractual clauses")),
    (TransferSafeguard.binding_corporate_rules, N_("Binding corporate rules")),
    (TransferSafeguard.explicit_consent, N_("Your explicit consent")),
    (TransferSafeguard.contract_necessity, N_("Necessary for a contract with you")),
    (EndOfRetention.deletion, N_("then deleted")),
    (EndOfRetention.archiving, N_("then archived")),
    (EndOfRetention.anonymization, N_("then anonymized")),
    (ProvisionRequirement.statutory, N_("Required by law")),
    (ProvisionRequirement.contractual, N_("Required by a contract")),
    (ProvisionRequirement.contract_prerequisite, N_("Required to enter into a contract")),
    (ProvisionRequirement.optional, N_("Optional")),
    (SecurityMeasure.encryption_in_transit, N_("Encryption in transit")),
    (SecurityMeasure.encryption_at_rest, N_("Encryption at rest")),
    (SecurityMeasure.access_control, N_("Access control and management of user rights")),
    (SecurityMeasure.strong_authentication, N_("Strong user authentication")),
    (SecurityMeasure.activity_logging, N_("Logging of access and actions")),
    (SecurityMeasure.backups, N_("Regular backups")),
    (SecurityMeasure.security_audits, N_("Regular security audits")),
    (SecurityMeasure.monitoring, N_("Continuous monitoring")),
    (SecurityMeasure.certified_health_hosting, N_("Certified health data hosting")),
    (SecurityMeasure.breach_notification, N_("Notification of data breaches")),
    (NoticeRole.controller, N_("Controller")),
    (NoticeRole.processor, N_("Processor")),
]

_EXPLANATIONS: list[tuple[Code, str]] = [
    (LegalBasis.consent, N_("You agreed to it, and you may withdraw your consent at any time.")),
    (LegalBasis.contract, N_("It is needed to perform a contract with you, or to take steps you asked for before one.")),
    (LegalBasis.legal_obligation, N_("A law requires it of us.")),
    (LegalBasis.vital_interests, N_("It protects someone's life.")),
    (LegalBasis.public_task, N_("It is needed for a task carried out in the public interest.")),
    (LegalBasis.legitimate_interests, N_("It serves an interest of ours that does not override your rights; you may object.")),
    (Right.access, N_("Obtain confirmation that we process your data, and a copy of it.")),
    (Right.rectification, N_("Have inaccurate or incomplete data corrected.")),
    (Right.erasure, N_("Have your data deleted, unless the law requires us to keep it.")),
    (Right.restriction, N_("Have the use of your data suspended while a question is settled.")),
    (Right.objection, N_("Object to a processing based on our legitimate interests or used for prospecting.")),
    (Right.portability, N_("Receive the data you gave us in a structured, machine-readable format.")),
    (Right.withdraw_consent, N_("Withdraw a consent you gave, without affecting what was done before.")),
    (Right.post_mortem_directives, N_("Set directives on how your data is kept, erased or passed on after your death.")),
    (CookieCategory.strictly_necessary, N_("Needed for the site to work; they cannot be switched off.")),
    (CookieCategory.preferences, N_("Remember choices such as your language.")),
    (CookieCategory.audience_measurement, N_("Count visits and measure how the site is used.")),
    (CookieCategory.advertising, N_("Show advertising and measure its effect.")),
    (CookieCategory.social_media, N_("Let social networks show their content and follow your visit.")),
]

# Members of different sets share values (``vital_interests``), and a str Enum
# hashes by value: key the tables by set and value.
LABELS: dict[tuple[type[Code], str], str] = {(type(code), code.value): text for code, text in _LABELS}
EXPLANATIONS: dict[tuple[type[Code], str], str] = {(type(code), code.value): text for code, text in _EXPLANATIONS}


def all_codes() -> list[tuple[Code, str]]:
    """Every code with its source-language label, in declaration order."""
    return list(_LABELS)

