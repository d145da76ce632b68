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
    medical_record_access = "medical_record_access"


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
    insurers = "insurers"
    independent_channels = "independent_channels"


class CookieCategory(Code):
    strictly_necessary = "strictly_necessary"
    preferences = "preferences"
    audience_measurement = "audience_measurement"
    advertising = "advertising"
    social_media = "social_media"


class CookieParty(Code):
    first = "first"
    third = "third"


class EndOfRetention(Code):
    deletion = "deletion"
    archiving = "archiving"
    anonymization = "anonymization"


class ProvisionRequirement(Code):
    statutory = "statutory"
    contractual = "contractual"
    contract_prerequisite = "contract_prerequisite"
    service_condition = "service_condition"
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


class RequiredFact(Code):
    """What a law may require a notice to state; content/_registry.yaml says which law requires which, and where."""

    controller_contact = "controller_contact"
    dpo = "dpo"
    legal_basis = "legal_basis"
    legitimate_interest = "legitimate_interest"
    retention = "retention"
    sensitive_condition = "sensitive_condition"
    withdraw_consent = "withdraw_consent"
    rights_channel = "rights_channel"
    complaint_authority = "complaint_authority"
    provision = "provision"
    automated_decisions = "automated_decisions"
    transfers = "transfers"
    formalities = "formalities"


class RegistrationScheme(Code):
    siren = "siren"
    siret = "siret"
    rcs = "rcs"
    finess = "finess"
    rpps = "rpps"
    vat = "vat"
    ice = "ice"
    rc = "rc"
    other = "other"


class RetentionState(Code):
    archived = "archived"
    hidden = "hidden"
    anonymized = "anonymized"


class Commitment(Code):
    no_sale = "no_sale"
    no_targeted_advertising = "no_targeted_advertising"
    no_profiling = "no_profiling"


class NoticeRole(Code):
    controller = "controller"
    processor = "processor"


class RecordFact(Code):
    """What a column of the record of processing activities holds; content/_registry.yaml says which a law's
    record has, in what order and under which heading."""

    reference = "reference"
    activity = "activity"
    details = "details"
    controller = "controller"
    processor = "processor"
    acting_for = "acting_for"
    joint_controllers = "joint_controllers"
    dpo = "dpo"
    legal_basis = "legal_basis"
    people = "people"
    data = "data"
    special_data = "special_data"
    recipients = "recipients"
    processors = "processors"
    transfers = "transfers"
    retention = "retention"
    security = "security"
    created = "created"
    last_changed = "last_changed"


_LABELS: list[tuple[Code, str]] = [
    (LegalBasis.consent, N_("Consent")),
    (LegalBasis.contract, N_("Performance of a contract")),
    (LegalBasis.legal_obligation, N_("Legal obligation")),
    (LegalBasis.vital_interests, N_("Vital interests")),
    (LegalBasis.public_task, N_("Task in the public interest")),
    (LegalBasis.legitimate_interests, N_("Legitimate interests")),
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
    (Right.medical_record_access, N_("Access to your medical record")),
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
    (RecipientKind.insurers, N_("Insurers and mutual health insurers")),
    (RecipientKind.independent_channels, N_("Independent services you choose, under their own terms")),
    (CookieCategory.strictly_necessary, N_("Strictly necessary")),
    (CookieCategory.preferences, N_("Preferences")),
    (CookieCategory.audience_measurement, N_("Audience measurement")),
    (CookieCategory.advertising, N_("Advertising")),
    (CookieCategory.social_media, N_("Social media")),
    (CookieParty.first, N_("This site")),
    (CookieParty.third, N_("Third party")),
    (EndOfRetention.deletion, N_("then deleted")),
    (EndOfRetention.archiving, N_("then archived")),
    (EndOfRetention.anonymization, N_("then anonymized")),
    (ProvisionRequirement.statutory, N_("Required by law")),
    (ProvisionRequirement.contractual, N_("Required by a contract")),
    (ProvisionRequirement.contract_prerequisite, N_("Required to enter into a contract")),
    (ProvisionRequirement.service_condition, N_("Some of it is needed to use the services")),
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
    (RequiredFact.controller_contact, N_("The controller's identity and contact details")),
    (RequiredFact.dpo, N_("The data protection officer's contact details, when there is one")),
    (RequiredFact.legal_basis, N_("The legal basis of each processing")),
    (RequiredFact.legitimate_interest, N_("The interest pursued, for a processing based on legitimate interests")),
    (RequiredFact.retention, N_("How long the data is kept, or the criteria that set it")),
    (RequiredFact.sensitive_condition, N_("The condition that allows processing sensitive data")),
    (RequiredFact.withdraw_consent, N_("The right to withdraw consent, for a processing based on consent")),
    (RequiredFact.rights_channel, N_("How to exercise one's rights")),
    (RequiredFact.complaint_authority, N_("The authority one can complain to")),
    (RequiredFact.provision, N_("Whether providing the data is required, and what happens if it is not")),
    (RequiredFact.automated_decisions, N_("Whether decisions are taken by automated means")),
    (RequiredFact.transfers, N_("Whether data leaves the area the law protects")),
    (RequiredFact.formalities, N_("The prior formalities made with the authority")),
    (RegistrationScheme.siren, N_("SIREN")),
    (RegistrationScheme.siret, N_("SIRET")),
    (RegistrationScheme.rcs, N_("Trade and companies register (RCS)")),
    (RegistrationScheme.finess, N_("FINESS")),
    (RegistrationScheme.rpps, N_("RPPS")),
    (RegistrationScheme.vat, N_("VAT number")),
    (RegistrationScheme.ice, N_("Common company identifier (ICE)")),
    (RegistrationScheme.rc, N_("Trade register (RC)")),
    (RegistrationScheme.other, N_("Registration")),
    (RetentionState.archived, N_("archived")),
    (RetentionState.hidden, N_("kept but no longer visible")),
    (RetentionState.anonymized, N_("anonymized")),
    (Commitment.no_sale, N_("We do not sell your data.")),
    (Commitment.no_targeted_advertising, N_("We do not use your data for targeted advertising.")),
    (Commitment.no_profiling, N_("We do not use your data to build a profile of you.")),
    (NoticeRole.controller, N_("Controller")),
    (NoticeRole.processor, N_("Processor")),
    (RecordFact.reference, N_("Reference")),
    (RecordFact.activity, N_("Processing activity and its purpose")),
    (RecordFact.details, N_("Details")),
    (RecordFact.controller, N_("Controller and its contact details")),
    (RecordFact.processor, N_("Processor and its contact details")),
    (RecordFact.acting_for, N_("Controllers on whose behalf we act")),
    (RecordFact.joint_controllers, N_("Joint controllers")),
    (RecordFact.dpo, N_("Data protection officer")),
    (RecordFact.legal_basis, N_("Legal basis")),
    (RecordFact.people, N_("Categories of people")),
    (RecordFact.data, N_("Categories of personal data")),
    (RecordFact.special_data, N_("Sensitive data and the condition that allows it")),
    (RecordFact.recipients, N_("Categories of recipients")),
    (RecordFact.processors, N_("Processors")),
    (RecordFact.transfers, N_("Transfers and their safeguards")),
    (RecordFact.retention, N_("Time limits for erasure")),
    (RecordFact.security, N_("Security measures")),
    (RecordFact.created, N_("Entry created on")),
    (RecordFact.last_changed, N_("Last changed on")),
]

_EXPLANATIONS: list[tuple[Code, str]] = [
    (LegalBasis.consent, N_("You agreed to it.")),
    (
        LegalBasis.contract,
        N_("It is needed to perform a contract with you, or to take steps you asked for before one."),
    ),
    (LegalBasis.legal_obligation, N_("A law requires it of us.")),
    (LegalBasis.vital_interests, N_("It protects someone's life.")),
    (LegalBasis.public_task, N_("It is needed for a task carried out in the public interest.")),
    (LegalBasis.legitimate_interests, N_("It serves an interest of ours that does not override your rights.")),
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
