"""Loading and validating content: every bad input gets file, line, field and a plain message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from privacy.content import load_content
from privacy.problems import Problem, format_path
from tests.factories import minimal_notice, write_content


def problems_of(tmp_path: Path, notice: dict[str, Any] | str) -> list[Problem]:
    content = load_content(write_content(tmp_path / "content", {"clinique": notice}))
    return content.problems


def rendered(problems: list[Problem], language: str = "en") -> list[str]:
    return [p.render(language) for p in problems]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, rendered(problems)
    return problems[0]


def test_a_valid_notice_has_no_problem(tmp_path: Path) -> None:
    content = load_content(write_content(tmp_path / "content", {"clinique": minimal_notice()}))
    assert content.problems == []
    assert [s.id for s in content.sites] == ["clinique"]


def test_yaml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    # A mistake without an explanation of its own keeps the parser's words in the general message.
    text = "languages: [fr, en]\npublisher: {name: X\n"
    problem = only(problems_of(tmp_path, text))
    assert problem.line in (2, 3)
    assert "the YAML is malformed here" in problem.text("en")
    assert problem.text("fr").startswith("le YAML est mal formé")


def test_unknown_key_suggests_the_right_spelling(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["retenion"] = notice["processing"][0].pop("retention")
    problems = problems_of(tmp_path, notice)
    typo = next(p for p in problems if p.path == ("processing", 0, "retenion"))
    assert typo.text("en") == "unknown field “retenion”: did you mean “retention”?"
    assert typo.line is not None and typo.line > 1


def test_wrong_type_says_what_is_expected(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, minimal_notice(people="patients")))
    assert problem.path == ("people",)
    assert problem.text("en") == "expected a list here (lines starting with “- ”)"


def test_unknown_code_lists_the_codes(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["legal_basis"] = "contrat"
    problem = only(problems_of(tmp_path, notice))
    assert format_path(problem.path) == "processing[0].legal_basis"
    assert "“contrat” is not a known code here" in problem.text("en")
    assert "“contract”" in problem.text("en") and problem.text("en").endswith(", or “legitimate_interests”")


def test_the_codes_a_french_message_lists_are_said_in_french(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["legal_basis"] = "contrat"
    french = only(problems_of(tmp_path, notice)).text("fr")
    assert french.startswith(
        "«\u00a0contrat\u00a0» n'est pas un code reconnu ici\u00a0: utilisez «\u00a0consent\u00a0», "
    )
    assert french.endswith("«\u00a0public_task\u00a0» ou «\u00a0legitimate_interests\u00a0»")  # not “or”
    assert "'" not in french.replace("n'est", "")


def test_a_value_of_the_wrong_shape_is_told_what_shapes_fit_in_the_message_language(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["publisher"]["name"] = ["Clinique", "Exemple"]
    problem = only(problems_of(tmp_path, notice))
    assert problem.text("en") == (
        "this value has the wrong form: expected a group of fields (lines of “name: value”) or a single value"
    )
    assert problem.text("fr") == (
        "cette valeur n'a pas la forme attendue, qui est\u00a0: un groupe de champs (des lignes «\u00a0nom: "
        "valeur\u00a0») ou une valeur simple"
    )


def test_missing_required_field(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["publisher"]
    problem = only(problems_of(tmp_path, notice))
    assert problem.path == ("publisher",)
    assert problem.text("en") == "this field is required"
    assert problem.text("fr") != problem.text("en")


def test_duplicate_ids_are_each_reported(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["data_categories"].append(dict(notice["data_categories"][0]))
    problems = problems_of(tmp_path, notice)
    assert {format_path(p.path) for p in problems} == {"data_categories[0].id", "data_categories[2].id"}
    assert all("“identity” is used more than once" in p.text("en") for p in problems)


def test_duplicate_yaml_keys_are_reported(tmp_path: Path) -> None:
    text = "version: '1'\nversion: '2'\n"
    problems = problems_of(tmp_path, text)
    duplicate = next(p for p in problems if p.path == ("version",) and "written twice" in p.text("en"))
    assert duplicate.line == 2


def test_reference_to_an_undeclared_id(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["data"].append("ghost")
    notice["processing"][0]["recipients"] = ["nobody"]
    problems = problems_of(tmp_path, notice)
    assert {format_path(p.path) for p in problems} == {"processing[0].data[2]", "processing[0].recipients[0]"}
    ghost = next(p for p in problems if p.path[-2] == "data")
    assert (
        ghost.text("en") == "“ghost” does not name any of the data categories declared in this file (health, identity)"
    )


def test_unknown_law_or_authority(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, minimal_notice(jurisdiction={"laws": ["gdpr", "hipaa"], "authority": "ico"}))
    assert {format_path(p.path) for p in problems} == {"jurisdiction.laws[1]", "jurisdiction.authority"}


def test_raw_html_is_refused(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["purpose"]["en"] = "Care <script>alert(1)</script>"
    problem = only(problems_of(tmp_path, notice))
    assert format_path(problem.path) == "processing[0].purpose.en"
    assert "raw HTML is not allowed" in problem.text("en")


def test_bad_duration(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["retention"]["duration"] = "forever"
    problem = only(problems_of(tmp_path, notice))
    assert problem.text("en") == "write a duration such as “6 months”, “13 mois”, “30 minutes” or “1 year”"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("13 mois", "13 months"),
        ("30 minutes", "30 minutes"),
        ("1 an", "1 year"),
        ("2 heures", "2 hours"),
        ("1 Year", "1 year"),
        ("6 semaines", "6 weeks"),
        ("10 jours", "10 days"),
    ],
)
def test_durations_in_either_language_and_in_minutes_or_hours(tmp_path: Path, written: str, kept: str) -> None:
    notice = minimal_notice()
    notice["processing"][0]["retention"]["duration"] = written
    content = load_content(write_content(tmp_path / "content", {"clinique": notice}))
    assert content.errors == []
    assert content.sites[0].notice.processing[0].retention.duration == kept  # type: ignore[union-attr]


def test_a_joint_controller_is_named_or_described(tmp_path: Path) -> None:
    notice = minimal_notice(joint_controllers=[{"id": "care", "responsibilities": {"fr": "Soigner", "en": "Care"}}])
    problem = only(problems_of(tmp_path, notice))
    assert problem.text("en") == "give this controller a name, or describe who it is (described)"


def test_literal_or_details_union(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, minimal_notice(transfers="nope")))
    assert problem.path == ("transfers",)
    assert problem.text("en") == "“nope” is not accepted here: write “none”, or give the details"
    assert (
        problem.text("fr")
        == "«\u00a0nope\u00a0» n'est pas accepté ici\u00a0: écrivez «\u00a0none\u00a0», ou donnez les détails"
    )


def test_union_with_details_reports_inside_the_details(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, minimal_notice(dpo={"contact": {"email": "not-an-email"}})))
    assert problem.path == ("dpo", "contact", "email")
    assert problem.text("en") == "this is not an email address"


def test_consent_lifetime_is_capped_at_the_widgets_own_ceiling(tmp_path: Path) -> None:
    # The authority's ceiling (13 months for the CNIL) is the registry's, held by the check (tests/test_lint.py).
    problem = only(problems_of(tmp_path, minimal_notice(cookies={"consent_lifetime_months": 25})))
    assert problem.text("en") == "this must be at most 24"


def test_empty_file(tmp_path: Path) -> None:
    problem = only(problems_of(tmp_path, ""))
    assert problem.text("en") == "this file is empty"


def test_not_utf8(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    (root / "clinique" / "policy.yaml").write_bytes("publisher: Clinique Saint-Jérôme".encode("latin-1"))
    problem = only(load_content(root).problems)
    assert "not UTF-8" in problem.text("en")


def test_site_folder_without_policy_file(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    (root / "empty-site").mkdir()
    problem = only(load_content(root).problems)
    assert problem.file == root / "empty-site" / "policy.yaml"
    assert problem.text("en") == "this file does not exist: check the path"


def test_a_directory_in_place_of_the_file_is_unreadable(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    (root / "clinique" / "policy.yaml").unlink()
    (root / "clinique" / "policy.yaml").mkdir()
    assert "cannot be read" in only(load_content(root).problems).text("en")


def test_missing_content_folder(tmp_path: Path) -> None:
    problem = only(load_content(tmp_path / "nowhere").problems)
    assert problem.text("en") == "the content folder does not exist"


def test_all_problems_of_all_files_at_once(tmp_path: Path) -> None:
    bad = minimal_notice(people="patients")
    root = write_content(tmp_path / "content", {"a": bad, "b": "key: [unclosed\n", "c": minimal_notice()})
    content = load_content(root)
    assert {p.file.parent.name for p in content.problems} == {"a", "b"}
    assert [s.id for s in content.sites] == ["c"]


def test_the_example_content_is_valid() -> None:
    content = load_content(Path(__file__).resolve().parent.parent / "content")
    assert content.errors == [], rendered(content.errors)
    assert {s.id for s in content.sites} == {"ihu-imagerie", "oiso-genomnis", "clininfo"}


def test_a_site_folder_cannot_take_a_reserved_or_odd_name(tmp_path: Path) -> None:
    root = write_content(tmp_path / "content", {"assets": minimal_notice(), "Clinique Été": minimal_notice()})
    problems = load_content(root).problems
    assert sorted(p.file.name for p in problems) == ["Clinique Été", "assets"]
    assert all("cannot name a site" in p.text("en") for p in problems)


def test_a_site_with_a_broken_reference_is_not_among_the_sound_sites(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["recipients"] = ["nobody"]
    content = load_content(write_content(tmp_path / "content", {"clinique": notice, "other": minimal_notice()}))
    assert [s.id for s in content.sites] == ["other"]
    assert len(content.errors) == 1


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("languages: [fr, en]\nintroduction: Note: our hours change\n", 2, "contains “: ”"),
        ("languages: [fr, en]\npublisher:\n  name: X\n  the clinic of the north\n", 4, "neither “field: value”"),
        ("languages: [fr, en]\npublisher:\n    name: X\n  contact: y\n", 4, "where no field above it starts"),
        ("languages: [fr, en]\npublisher:\n\tname: X\n", 3, "a tab, or a character YAML reserves"),
        ('languages: [fr, en]\nintroduction: "Welcome\npublisher:\n  name: X\n', 2, "a quote opens on this line"),
        ("languages: [fr, en]\npublisher: *clinic\n", 2, "anchor (&) that no line above defines"),
    ],
)
def test_yaml_mistakes_are_explained_in_the_editors_words(tmp_path: Path, text: str, line: int, says: str) -> None:
    problem = only(problems_of(tmp_path, text))
    assert problem.line == line and says in problem.text("en")
    assert problem.text("fr") != problem.text("en")  # said in French too


def test_a_plain_text_where_each_language_is_needed_shows_the_lines_to_write(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["title"] = "Politique de confidentialité"  # legal staff's first draft: one language, no fr:
    problem = only(problems_of(tmp_path, notice))
    assert problem.path == ("title",)
    said = problem.text("en")
    assert "each language of the site" in said and "expected a group of fields" not in said
    assert said.endswith("\n    title:\n      fr: Politique de confidentialité\n      en: …")
    assert "chaque langue du site" in problem.text("fr")
