"""Codes: each has its own wording, even when two sets share a value."""

from __future__ import annotations

from privacy.codes import Code, HealthDataCondition, LegalBasis, TransferSafeguard, all_codes
from privacy.i18n import gettext


def test_codes_sharing_a_value_keep_their_own_label() -> None:
    assert LegalBasis.vital_interests.label == "Vital interests"
    assert HealthDataCondition.vital_interests.label == "Vital interests of a person unable to consent"
    assert TransferSafeguard.explicit_consent.label != HealthDataCondition.explicit_consent.label


def test_every_code_of_every_set_has_a_label_in_each_language() -> None:
    labelled = {(type(code), code.value) for code, _ in all_codes()}
    for code_set in Code.__subclasses__():
        for member in code_set:
            assert (code_set, member.value) in labelled, member
            assert gettext("fr", member.label) != "" and gettext("en", member.label) == member.label
