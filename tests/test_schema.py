"""The JSON Schema editors use is generated from the model, never kept by hand."""

from __future__ import annotations

import json

import pytest

from privacy.cli import SCHEMA_FILES, codes_reference, schema_text
from tests.factories import EXAMPLE_CONTENT


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_committed_schema_matches_the_model(name: str) -> None:
    committed = (EXAMPLE_CONTENT / name).read_text(encoding="utf-8")
    assert committed == schema_text(name), "run: python build.py schema"


def test_codes_reference_matches_the_code() -> None:
    assert (EXAMPLE_CONTENT / "README.md").read_text(encoding="utf-8") == codes_reference()


def test_every_content_file_points_to_its_schema() -> None:
    for policy in EXAMPLE_CONTENT.glob("*/policy.yaml"):
        assert policy.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../notice.schema.json")
    # Archived versions too, from their own folder: an editor opening one checks it against the same schema.
    archives = [path for path in EXAMPLE_CONTENT.glob("*/versions/*.yaml") if path.name != "versions.yaml"]
    assert archives
    for version in archives:
        first = version.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), version
        schema = (version.parent / first.split("$schema=", 1)[1]).resolve()
        assert schema == (EXAMPLE_CONTENT / "notice.schema.json").resolve(), version
    assert (
        (EXAMPLE_CONTENT / "_registry.yaml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=registry.schema.json")
    )


def test_schema_forbids_unknown_keys_and_lists_codes() -> None:
    schema = json.loads(schema_text("notice.schema.json"))
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["LegalBasis"]["enum"] == [
        "consent",
        "contract",
        "legal_obligation",
        "vital_interests",
        "public_task",
        "legitimate_interests",
    ]
