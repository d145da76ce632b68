"""What a notice's laws require it to state (errors naming the article), drafts, references to the law, and
translations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from privacy.content import REGISTRY_FILE, load_content
from privacy.lint import lint_site
from privacy.problems import Problem, format_path
from tests.factories import EXAMPLE_CONTENT, minimal_notice, write_content


def problems_of(tmp_path: Path, notice: dict[str, Any], registry: str | None = None) -> list[Problem]:
    content = load_content(write_content(tmp_path / "content", {"clinique": notice}, registry))
    assert content.errors == []
    return lint_site(content.sites[0], content.registry)


def said(tmp_path: Path, notice: dict[str, Any], registry: str | None = None) -> dict[str, str]:
    return {format_path(p.path): p.text("en") for p in problems_of(tmp_path, notice, registry)}


def test_a_complete_notice_has_no_problem(tmp_path: Path) -> None:
    assert said(tmp_path, minimal_notice()) == {}


def test_a_missing_required_fact_is_an_error_that_names_the_law_and_article(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["processing"][0]["retention"]
    (problem,) = problems_of(tmp_path, notice)
    assert problem.severity == "error"
    assert problem.text("en") == "say how long the data is kept (retention) — required by gdpr, art. 13(2)(a)"
    assert problem.text("fr").endswith("exigé par gdpr, art. 13(2)(a)")


def test_a_draft_builds_with_warnings_that_do_not_fail_strict(tmp_path: Path) -> None:
    notice = minimal_notice(status="draft")
    del notice["processing"][0]["retention"]
    (problem,) = problems_of(tmp_path, notice)
    assert problem.severity == "warning" and problem.in_draft


def test_dpo_announced_without_contact(tmp_path: Path) -> None:
    assert said(tmp_path, minimal_notice(dpo={"name": "Jeanne Martin"})) == {
        "dpo": "a DPO is announced without a contact: add an email or a postal address — required by gdpr, art. 13(1)(b)"
    }


def test_nothing_said_of_a_dpo_is_left_out_rather_than_asked_for(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["dpo"]
    assert said(tmp_path, notice) == {}
    assert said(tmp_path, minimal_notice(dpo="none")) == {}


def test_legitimate_interest_without_the_interest(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["legal_basis"] = "legitimate_interests"
    assert said(tmp_path, notice)["processing[0].legitimate_interest"] == (
        "the legal basis is legitimate interests: state the interest pursued — required by gdpr, art. 13(1)(d)"
    )


def test_a_right_the_law_attaches_to_a_legal_basis_is_owed(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["rights"]["offered"].remove("objection")
    assert said(tmp_path, notice) == {
        "rights.offered": "the right “Right to object” (gdpr, art. 21) applies to this notice: list it"
    }


def test_a_right_no_law_of_the_notice_grants_is_an_error(tmp_path: Path) -> None:
    found = said(tmp_path, minimal_notice(jurisdiction={"laws": ["gdpr"], "authority": "cnil"}))
    # Post-mortem directives come from French law, which this notice no longer cites.
    assert found == {
        "rights.offered[5]": "none of this notice's laws grants “Directives on your data after your death”: remove it, "
        "or add the law that grants it to jurisdiction.laws"
    }


def test_no_authority_to_complain_to(tmp_path: Path) -> None:
    found = said(tmp_path, minimal_notice(jurisdiction={"laws": ["gdpr", "fr-informatique-libertes"]}))
    assert found == {
        "jurisdiction": "name the supervisory authority people can complain to — required by gdpr, art. 13(2)(d)"
    }


def test_retention_without_duration_or_criteria(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["retention"] = {"then": "archiving"}
    assert said(tmp_path, notice) == {
        "processing[0].retention": "give a duration or the criteria used to set it — required by gdpr, art. 13(2)(a)"
    }


def test_whether_providing_the_data_is_required_is_said_once_or_for_each_purpose(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["provision"]
    assert said(tmp_path / "a", notice) == {
        "": "say whether providing the data is required, and what happens if it "
        "is not: once for every purpose (provision), or in each processing "
        "— required by gdpr, art. 13(2)(e)"
    }
    notice["processing"][0]["provision"] = {"requirement": "optional"}
    assert said(tmp_path / "b", notice) == {}


def test_what_only_applies_where_applicable_is_not_asked_for(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["transfers"], notice["automated_decisions"], notice["processing"][0]["special_condition"]
    assert said(tmp_path, notice) == {}


def test_safeguards_and_conditions_come_from_the_notices_laws(tmp_path: Path) -> None:
    notice = minimal_notice(
        transfers=[
            {"destination": "US", "safeguard": "cndp_authorisation"},
            {"destination": "DE", "safeguard": "adequacy_decision"},
        ]
    )
    notice["processing"][0]["special_condition"] = "legal_provision"
    found = said(tmp_path, notice)
    assert found["transfers[0].safeguard"].startswith("“cndp_authorisation” is no safeguard of this notice's laws")
    assert found["transfers[1].destination"].startswith("“DE” is inside the area the law protects")
    assert found["processing[0].special_condition"].startswith("“legal_provision” is no condition")


def test_a_processor_notice_is_not_held_to_a_controllers_duties(tmp_path: Path) -> None:
    notice = minimal_notice(role="processor")
    del notice["processing"][0]["legal_basis"], notice["processing"][0]["retention"]
    assert said(tmp_path, notice) == {}


def test_moroccan_law_asks_for_its_own_facts(tmp_path: Path) -> None:
    notice = minimal_notice(jurisdiction={"laws": ["ma-09-08"], "authority": "cndp"})
    del notice["provision"]
    notice["rights"]["offered"] = ["access", "rectification", "objection"]
    notice["processing"][0]["special_condition"] = "explicit_consent"
    found = problems_of(tmp_path, notice)
    assert {(format_path(p.path), p.params["article"]) for p in found} == {
        ("", "art. 5"),  # whether providing the data is required
        ("jurisdiction", "art. 5"),  # the CNDP declaration or authorisation
    }
    # No GDPR right (portability, restriction) is asked of a 09-08 notice.
    assert not any("portability" in p.text("en") or "restriction" in p.text("en") for p in found)


def test_a_third_law_needs_no_code_change(tmp_path: Path) -> None:
    registry = yaml.safe_load((EXAMPLE_CONTENT / REGISTRY_FILE).read_text(encoding="utf-8"))
    registry["laws"]["ch-nfadp"] = {
        "title": {
            "fr": "Loi fédérale sur la protection des données (nLPD)",
            "en": "Federal Act on Data Protection (nFADP)",
        },
        "area": {
            "name": {"fr": "la Suisse", "en": "Switzerland"},
            "outside": {"fr": "hors de Suisse", "en": "outside Switzerland"},
            "countries": ["CH"],
        },
        "deadline": {"days": 30, "article": "art. 18 OPDo"},
        "rights": {
            "access": {"article": "art. 25", "explanation": {"fr": "Savoir.", "en": "Know."}},
            "portability": {
                "article": "art. 28",
                "applies_to": [],
                "explanation": {"fr": "Recevoir.", "en": "Receive."},
            },
        },
        "requires": [{"fact": "controller_contact", "article": "art. 19(2)(a)"}],
    }
    registry["authorities"]["fdpic"] = {
        "name": {"fr": "le Préposé fédéral (PFPDT)", "en": "the Federal Commissioner (FDPIC)"},
        "contact": {"website": "https://www.edoeb.admin.ch"},
    }
    notice = minimal_notice(jurisdiction={"laws": ["ch-nfadp"], "authority": "fdpic"})
    notice["rights"]["offered"] = ["access"]
    notice["publisher"].pop("contact")
    del notice["processing"][0]["special_condition"]
    text = yaml.safe_dump(registry, allow_unicode=True, sort_keys=False)
    assert said(tmp_path, notice, text) == {
        "publisher": "give the organization's contact details (an address, an email or a phone) — required by "
        "ch-nfadp, art. 19(2)(a)"
    }


def test_translation_missing_in_one_language(tmp_path: Path) -> None:
    # An error: the English page would show the French purpose, unmarked. A draft still builds.
    notice = minimal_notice()
    notice["processing"][0]["purpose"] = {"fr": "Soigner les patients"}
    (problem,) = problems_of(tmp_path / "published", notice)
    assert (format_path(problem.path), problem.text("en")) == (
        "processing[0].purpose",
        "no text in en: add it beside fr",
    )
    assert problem.severity == "error"
    (drafted,) = problems_of(tmp_path / "draft", {**notice, "status": "draft"})
    assert drafted.severity == "warning" and drafted.in_draft


def test_a_site_that_allows_a_fallback_is_told_what_its_page_shows(tmp_path: Path) -> None:
    notice = minimal_notice(language_fallback=True)
    notice["processing"][0]["purpose"] = {"fr": "Soigner les patients"}
    (problem,) = problems_of(tmp_path, notice)
    assert problem.severity == "warning"
    assert problem.text("en") == ("no text in en: the en page shows the text in fr, marked as such; add it beside fr")


def test_text_in_a_language_the_site_does_not_publish(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["purpose"]["de"] = "Patienten versorgen"
    assert said(tmp_path, notice) == {"processing[0].purpose": "text in de, which is not one of the site's languages"}


def test_problem_in_french(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, minimal_notice(dpo={"name": "X"}))
    assert problem.text("fr") == (
        "un DPO est annoncé sans coordonnées\u00a0: ajoutez une adresse électronique ou "
        "une adresse postale — exigé par gdpr, art. 13(1)(b)"
    )
    assert "erreur" in problem.render("fr")


def test_a_choice_is_remembered_no_longer_than_the_authority_lets_a_cookie_live(tmp_path: Path) -> None:
    def remembered(months: int, **site: Any) -> dict[str, str]:
        return said(tmp_path, minimal_notice(cookies={"items": [], "consent_lifetime_months": months}, **site))

    assert remembered(13) == {}
    assert remembered(14) == {
        "cookies.consent_lifetime_months": "a choice is remembered for 14 months, longer than the authority lets a "
        "cookie live (13 months, délibérations n° 2020-091 et 2020-092 du 17 septembre 2020 (cookies et autres "
        "traceurs)): lower it"
    }
    # The ceiling is the CNIL's, from the registry: an authority that names none lets the site choose.
    moroccan = {"laws": ["ma-09-08"], "authority": "cndp"}
    assert "cookies.consent_lifetime_months" not in remembered(20, jurisdiction=moroccan)
    # A site without the widget remembers no choice.
    no_widget = minimal_notice(cookies={"items": [], "consent_lifetime_months": 20, "widget": False})
    assert "cookies.consent_lifetime_months" not in said(tmp_path, no_widget)


def test_a_dpo_without_email_is_said_to_leave_the_rights_inbox_alone(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["dpo"]["contact"] = {"address": {"lines": ["1 rue de la Paix"], "city": "Paris", "country": "FR"}}
    (problem,) = problems_of(tmp_path, notice)
    assert (problem.severity, format_path(problem.path)) == ("note", "dpo.contact")
    assert "online form's requests go to rights.channels.email (dpo@clinique.example)" in problem.text("en")
    assert problem.render("fr").split(": ")[1] == "remarque"


def test_a_form_with_no_inbox_is_an_error_that_says_the_site_loses_it(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["dpo"]["contact"] = {"address": {"lines": ["1 rue de la Paix"], "city": "Paris", "country": "FR"}}
    del notice["rights"]["channels"]["email"]
    (problem,) = [p for p in problems_of(tmp_path, notice) if p.severity != "note"]
    assert (problem.severity, format_path(problem.path)) == ("error", "rights.channels.online_form")
    assert "the site would have no form (its page would answer 404" in problem.text("en")


def test_a_form_without_request_retention_is_an_error(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["rights"]["request_retention"]
    (problem,) = problems_of(tmp_path / "published", notice)
    assert (problem.severity, format_path(problem.path)) == ("error", "rights.channels.online_form")
    assert "rights.request_retention" in problem.text("en") and "kept for ever" in problem.text("en")
    (drafted,) = problems_of(tmp_path / "draft", {**notice, "status": "draft"})
    assert drafted.severity == "warning"
