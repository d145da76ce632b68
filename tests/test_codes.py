"""Codes: each has its own wording, even when two sets share a value."""

from __future__ import annotations

from privacy.codes import LABELS, Code, LegalBasis, all_codes
from privacy.i18n import gettext


def test_codes_sharing_a_value_keep_their_own_label() -> None:
    assert LegalBasis.vital_interests.label == "Vital interests"
    # A str Enum hashes by value: the table is keyed by set and value, so a set added later cannot take a wording.
    assert all(isinstance(key, tuple) and issubclass(key[0], Code) for key in LABELS)


def test_every_code_of_every_set_has_a_label_in_each_language() -> None:
    labelled = {(type(code), code.value) for code, _ in all_codes()}
    for code_set in Code.__subclasses__():
        for member in code_set:
            assert (code_set, member.value) in labelled, member
            assert gettext("fr", member.label) != "" and gettext("en", member.label) == member.label
