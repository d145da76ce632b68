"""Errors of the rights pages are pages of the site, in its language; a visitor refused for a limit keeps the form
as typed; someone acting for another person says so and is told what proof will be asked."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.rights.conftest import good_form
from tests.rights.test_pages import FORM, post, rows, said


def _in_site_layout(answer: Any, language: str) -> None:
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-language"] == language
    assert f'<html lang="{language}">' in answer.text
    assert '<p class="brand">' in answer.text and 'rel="stylesheet" href="/rights/assets/' in answer.text
    assert 'href="/rights/clinique/' in answer.text and 'href="/clinique/' in answer.text  # the form, the notice
    assert "<script" not in answer.text


@pytest.mark.parametrize(
    ("send", "status", "title"),
    [
        (lambda c: post(c, good_form(), origin="https://evil.example"), 403, "Ce formulaire ne peut pas être envoyé"),
        (lambda c: c.get("/rights/clinique/de/"), 404, "Page introuvable"),
        (lambda c: post(c, good_form(details="x" * 20000)), 413, "Cette demande est trop volumineuse"),
    ],
)
def test_each_error_is_a_page_of_the_site_in_its_language(
    rights_client: TestClient, send: Callable[[TestClient], Any], status: int, title: str
) -> None:
    answer = send(rights_client)
    assert answer.status_code == status
    _in_site_layout(answer, "fr")
    assert f"<h1>{title}" in html.unescape(answer.text)


def test_an_english_page_gets_its_errors_in_english(rights_client: TestClient) -> None:
    answer = post(rights_client, good_form(), path="/rights/clinique/en/", origin="https://evil.example")
    assert answer.status_code == 403
    _in_site_layout(answer, "en")
    assert said(answer) == "This form can only be sent from this site's own pages."


def test_an_unknown_site_gets_a_plain_page_in_the_visitors_language(rights_client: TestClient) -> None:
    answer = rights_client.get("/rights/nowhere/fr/", headers={"accept-language": "fr"})
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert '<p class="brand">' not in answer.text and 'href="/"' in answer.text


def test_a_client_asking_for_json_gets_json(rights_client: TestClient) -> None:
    answer = rights_client.get("/rights/clinique/de/", headers={"accept": "application/json"})
    assert answer.status_code == 404 and "error" in answer.json()


def test_a_visitor_refused_for_the_mailbox_limit_keeps_what_they_typed(
    make_client: Callable[..., TestClient], rights_content: Path
) -> None:
    client = make_client(rights_content, PRIVACY_RIGHTS_LIMITS="1000/600,1/86400")
    assert post(client, good_form()).status_code == 303
    typed = good_form(details="Une seconde demande, pour mon dossier de cardiologie.", file_reference="P-77")
    refused = post(client, typed)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    text = html.unescape(refused.text)
    assert "Réessayez demain" in text and "Votre demande n'a pas été envoyée" in text
    assert "Une seconde demande, pour mon dossier de cardiologie." in text
    assert 'value="P-77"' in text and 'value="ana@example.fr"' in text and 'value="access" id="right-access"' in text
    assert re.search(r'value="access" id="right-access" checked', text)


def test_a_visitor_refused_for_the_address_limit_keeps_what_they_typed(
    make_client: Callable[..., TestClient], rights_content: Path
) -> None:
    client = make_client(rights_content, PRIVACY_RIGHTS_LIMITS="1/600,5/86400")
    assert post(client, good_form(email="")).status_code == 422
    refused = post(client, good_form(email="", details="Ce que j'ai écrit avec soin."))
    assert refused.status_code == 429
    assert "Ce que j&#39;ai écrit avec soin." in refused.text and "Réessayez dans quelques minutes" in html.unescape(
        refused.text
    )


def test_the_form_links_back_to_the_notice_and_offers_to_act_for_another(rights_client: TestClient) -> None:
    page = html.unescape(rights_client.get(FORM).text)
    assert '<a href="/clinique/fr/">Lire notre politique de confidentialité</a>' in page
    assert re.findall(r'name="acting_for" value="([a-z]+)"', page) == ["self", "minor", "represented", "deceased"]
    assert 'value="self" id="acting_for" checked' in page
    assert "acte de décès" in page and "autorité parentale" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"acting_for": "minor"}, "subject_name", "Indiquez le nom complet de la personne"),
        ({"acting_for": "deceased", "subject_name": "x" * 201}, "subject_name", "200 caractères"),
        ({"acting_for": "deceased", "subject_name": "a@b.fr"}, "subject_name", "sans caractère spécial"),
        ({"acting_for": "neighbour"}, "acting_for", "Choisissez pour qui"),
    ],
)
def test_acting_for_another_is_checked_next_to_its_field(
    rights_client: TestClient, tmp_path: Path, overrides: dict[str, Any], field: str, message: str
) -> None:
    answer = post(rights_client, good_form(**overrides))
    assert answer.status_code == 422
    assert f'<p class="field-error" id="{field}-error">' in answer.text
    assert message in html.unescape(answer.text)
    assert f'href="#{field}"' in answer.text  # the summary leads to the field
    assert rows(tmp_path) == []
    if overrides["acting_for"] != "neighbour":
        assert f'value="{overrides["acting_for"]}" id="acting_for-{overrides["acting_for"]}" checked' in answer.text


def test_a_request_for_another_person_is_accepted(rights_client: TestClient) -> None:
    answer = post(rights_client, good_form(acting_for="deceased", subject_name="Jean Dupont"))
    assert answer.status_code == 303


def test_the_error_pages_are_valid_html(rights_client: TestClient) -> None:
    from tests.support.quality import format_vnu_errors, vnu_check

    pages = [
        rights_client.get("/rights/clinique/de/").text,
        rights_client.get("/rights/nowhere/fr/").text,
        post(rights_client, good_form(), origin="https://evil.example").text,
        post(rights_client, good_form(acting_for="minor")).text,
    ]
    errors = vnu_check(pages)
    assert errors == [], format_vnu_errors(errors)
