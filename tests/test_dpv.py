"""notice.jsonld: expanded by a real JSON-LD processor (pyld) offline, every DPV term checked against the vocabulary."""

from __future__ import annotations

import csv
import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from privacy.dpv import VOCABULARY_DIR, iso_duration
from privacy.pipeline import build
from tests.factories import EXAMPLE_CONTENT, minimal_notice, write_content

DPV = "https://w3id.org/dpv#"
PD = "https://w3id.org/dpv/pd#"
EU_GDPR = "https://w3id.org/dpv/legal/eu/gdpr#"
NAMESPACES = (DPV, PD, EU_GDPR)


@cache
def vocabulary() -> frozenset[str]:
    """Every concept and property IRI of the DPV files shipped in vocab/dpv/."""
    iris = set()
    for name in ("dpv.csv", "pd.csv", "eu-gdpr.csv"):
        with (VOCABULARY_DIR / name).open(encoding="utf-8", newline="") as handle:
            iris |= {row["iri"] for row in csv.DictReader(handle)}
    return frozenset(iris)


def no_network(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    raise AssertionError(f"the expansion tried to load {url}: a notice must carry its context")


def expanded(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    result: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": no_network})
    return result


def iris(node: Any) -> set[str]:
    """Every IRI an expanded document uses: as a type, a property or a node reference."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= iris(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type":
                found |= set(value) if isinstance(value, list) else {value}
            elif key == "@id":
                found.add(value)
            elif not key.startswith("@"):
                found.add(key)
            if key not in ("@type", "@value"):
                found |= iris(value)
    return found


def built(tmp_path: Path, content: Path, base_url: str | None = "https://notices.example/") -> Path:
    out = tmp_path / "public"
    result = build(content, out, base_url=base_url)
    assert result.ok, result.problems
    return out


def test_the_vocabulary_ships_with_its_licence() -> None:
    licence = (VOCABULARY_DIR / "LICENSE.md").read_text(encoding="utf-8")
    assert "W3C Software and Document license" in licence
    assert "Copyright © 2022-2026 World Wide Web Consortium" in (VOCABULARY_DIR / "README.md").read_text()
    assert f"{DPV}PrivacyNotice" in vocabulary() and f"{EU_GDPR}A6-1-a" in vocabulary()


def test_every_example_notice_expands_offline_and_uses_only_dpv_terms_that_exist(tmp_path: Path) -> None:
    out = built(tmp_path, EXAMPLE_CONTENT)
    documents = sorted(out.glob("*/*/notice.jsonld"))
    assert len(documents) == 6  # three sites, two languages each
    for path in documents:
        graph = expanded(path)
        used = iris(graph)
        unknown = sorted(i for i in used if i.startswith(NAMESPACES) and i not in vocabulary())
        assert not unknown, f"{path}: not in DPV: {unknown}"
        # A term with a mistyped prefix would expand to an IRI of an unknown scheme.
        odd = sorted(i for i in used if not i.startswith(("https://", "http://", "_:", "mailto:", "tel:")))
        assert not odd, f"{path}: {odd}"
        page = (path.parent / "index.html").read_text(encoding="utf-8")
        assert '<link rel="alternate" type="application/ld+json" href="notice.jsonld">' in page


def node_of(graph: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [n for n in graph if kind in n.get("@type", [])]


def test_a_gdpr_notice_says_its_facts_in_dpv_and_its_extension(tmp_path: Path) -> None:
    notice = minimal_notice(
        title={"fr": "Vos données", "en": "Your data"},
        transfers=[{"destination": "US", "recipient": "staff", "safeguard": "standard_contractual_clauses"}],
        security={"measures": ["encryption_at_rest", "backups"]},
    )
    out = built(tmp_path, write_content(tmp_path / "content", {"clinique": notice}))
    graph = expanded(out / "clinique" / "fr" / "notice.jsonld")
    [page] = node_of(graph, f"{DPV}PrivacyNotice")
    assert page["@id"] == "https://notices.example/clinique/fr/"
    assert page[f"{DPV}hasRight"][0] == {"@id": f"{EU_GDPR}A15"}
    [controller] = node_of(graph, f"{DPV}DataController")
    assert controller[f"{DPV}hasName"] == [{"@value": "Clinique Exemple"}]
    assert {"@id": f"{DPV}DataBackupProtocols"} in controller[f"{DPV}hasTechnicalOrganisationalMeasure"]
    [dpo] = node_of(graph, f"{DPV}DataProtectionOfficer")
    assert {"@value": "mailto:dpo@clinique.example"} in dpo[f"{DPV}hasContact"]
    care = next(n for n in node_of(graph, f"{DPV}Process") if f"{DPV}hasPurpose" in n)
    bases = {b["@id"] for b in care[f"{DPV}hasLegalBasis"]}
    assert bases == {f"{DPV}PublicInterest", f"{EU_GDPR}A6-1-e", f"{EU_GDPR}A9-2-h"}
    assert care[f"{DPV}hasDataSubject"] == [{"@id": f"{DPV}Patient"}]
    purpose = care[f"{DPV}hasPurpose"][0]["http://purl.org/dc/terms/description"]
    assert purpose == [{"@value": "Soigner les patients", "@language": "fr"}]
    duration = care[f"{DPV}hasStorageCondition"][0][f"{DPV}hasDuration"][0]
    assert duration["http://www.w3.org/1999/02/22-rdf-syntax-ns#value"] == [
        {"@value": "P20Y", "@type": "http://www.w3.org/2001/XMLSchema#duration"}
    ]
    health = next(n for n in node_of(graph, f"{DPV}SpecialCategoryPersonalData"))
    assert health["http://www.w3.org/2004/02/skos/core#broader"] == [{"@id": f"{PD}Health"}]
    transfer = next(n for n in node_of(graph, f"{DPV}Process") if f"{DPV}hasThirdCountry" in n)
    assert transfer[f"{DPV}hasLegalBasis"] == [{"@id": f"{EU_GDPR}A46-2-c"}]


def test_a_law_without_a_dpv_extension_keeps_to_the_core_vocabulary(tmp_path: Path) -> None:
    notice = minimal_notice(
        jurisdiction={
            "laws": ["ma-09-08"],
            "authority": "cndp",
            "formalities": [{"kind": "declaration", "number": "D-1"}],
        }
    )
    notice["rights"]["offered"] = ["access", "rectification", "objection"]
    notice["processing"][0].update(legal_basis="consent", special_condition="explicit_consent")
    out = built(tmp_path, write_content(tmp_path / "content", {"rabat": notice}))
    graph = expanded(out / "rabat" / "en" / "notice.jsonld")
    assert not [i for i in iris(graph) if i.startswith(EU_GDPR)]
    [page] = node_of(graph, f"{DPV}PrivacyNotice")
    rights = page[f"{DPV}hasRight"]
    assert all(r["@type"] == [f"{DPV}DataSubjectRight"] for r in rights)
    labels = [r["http://www.w3.org/2004/02/skos/core#prefLabel"][0]["@value"] for r in rights]
    assert labels == ["Right of access", "Right to rectification", "Right to object"]


def test_without_a_base_url_the_notice_is_a_blank_node_and_still_expands(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(EXAMPLE_CONTENT / "_registry.yaml", content)
    shutil.copytree(EXAMPLE_CONTENT / "clininfo", content / "clininfo")
    out = built(tmp_path, content, base_url=None)
    graph = expanded(out / "clininfo" / "en" / "notice.jsonld")
    [page] = node_of(graph, f"{DPV}PrivacyNotice")
    assert page["@id"].startswith("_:")
    [processor] = [n for n in node_of(graph, f"{DPV}DataProcessor") if n["@id"] == "_:publisher"]
    assert processor[f"{DPV}hasName"] == [{"@value": "ClinInfo"}]


@pytest.mark.parametrize(
    ("canonical", "iso"), [("20 years", "P20Y"), ("13 months", "P13M"), ("30 minutes", "PT30M"), ("1 hour", "PT1H")]
)
def test_durations_in_iso_8601(canonical: str, iso: str) -> None:
    assert iso_duration(canonical) == iso
