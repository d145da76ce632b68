"""Completeness against GDPR Art. 13/14, and translations: warnings that name the gap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from privacy.content import load_content
from privacy.lint import lint_site
from privacy.problems import format_path
from tests.factories import minimal_notice, write_content


def all_warnings(tmp_path: Path, notice: dict[str, Any]) -> list[tuple[str, str]]:
    content = load_content(write_content(tmp_path / "content", {"clinique": notice}))
    assert content.errors == []
    found = lint_site(content.sites[0], content.registry)
    assert all(p.severity == "warning" for p in found)
    return [(format_path(p.path), p.text("en")) for p in found]


def warnings_for(tmp_path: Path, notice: dict[str, Any]) -> dict[str, str]:
    return dict(all_warnings(tmp_path, notice))


def test_a_complete_notice_has_no_warning(tmp_path: Path) -> None:
    assert warnings_for(tmp_path, minimal_notice()) == {}


def test_dpo_announced_without_contact(tmp_path: Path) -> None:
    assert warnings_for(tmp_path, minimal_notice(dpo={"name": "Jeanne Martin"})) == {
        "dpo": "a DPO is announced without a contact: add an email or a postal address"
    }


def test_dpo_not_mentioned_at_all(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["dpo"]
    assert "say whether there is a data protection officer" in warnings_for(tmp_path, notice)[""]


def test_no_dpo_said_explicitly_is_fine(tmp_path: Path) -> None:
    assert warnings_for(tmp_path, minimal_notice(dpo="none")) == {}


def test_legitimate_interest_without_the_interest(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["legal_basis"] = "legitimate_interests"
    warnings = warnings_for(tmp_path, notice)
    assert warnings["processing[0].legitimate_interest"] == "the legal basis is legitimate interests: state the interest pursued"


def test_objection_is_owed_where_legitimate_interests_are_the_basis(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["rights"]["offered"].remove("objection")
    assert warnings_for(tmp_path, notice) == {"rights.offered": "the right “objection” applies to this processing: list it"}


def test_no_authority_to_complain_to(tmp_path: Path) -> None:
    warnings = warnings_for(tmp_path, minimal_notice(jurisdiction={"laws": ["gdpr"]}))
    assert warnings["jurisdiction"] == "name the supervisory authority people can complain to"
    # Post-mortem directives come from French law, which this notice no longer cites.
    assert warnings["rights.offered[5]"] == "none of this notice's laws grants “post_mortem_directives”"


def test_processing_without_retention(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["processing"][0]["retention"]
    assert warnings_for(tmp_path, notice) == {"processing[0]": "say how long the data is kept (retention)"}


def test_retention_without_duration_or_criteria(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["retention"] = {"then": "archiving"}
    assert warnings_for(tmp_path, notice) == {"processing[0].retention": "give a duration or the criteria used to set it"}


def test_health_data_without_art9_condition(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["processing"][0]["special_condition"]
    assert "GDPR Art. 9 condition" in warnings_for(tmp_path, notice)["processing[0].special_condition"]


def test_transfers_and_automated_decisions_must_be_stated(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["transfers"], notice["automated_decisions"]
    texts = " | ".join(text for _, text in all_warnings(tmp_path, notice))
    assert "transfers: none" in texts and "automated_decisions: none" in texts


def test_translation_missing_in_one_language(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["purpose"] = {"fr": "Soigner les patients"}
    assert warnings_for(tmp_path, notice) == {"processing[0].purpose": "no text in en: add it beside fr"}


def test_text_in_a_language_the_site_does_not_publish(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["purpose"]["de"] = "Patienten versorgen"
    assert warnings_for(tmp_path, notice) == {
        "processing[0].purpose": "text in de, which is not one of the site's languages"
    }


def test_processor_notice_without_its_controllers(tmp_path: Path) -> None:
    assert "acting_for" in warnings_for(tmp_path, minimal_notice(role="processor"))["role"]


def test_warning_in_french(tmp_path: Path) -> None:
    content = load_content(write_content(tmp_path / "content", {"clinique": minimal_notice(dpo={"name": "X"})}))
    (problem,) = lint_site(content.sites[0], content.registry)
    assert problem.text("fr") != problem.text("en")
    assert "avertissement" in problem.render("fr")
