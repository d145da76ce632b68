"""The form in Debian's Chromium, with and without JavaScript: usable, accessible (axe), CSP-clean."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.factories import settings_env, write_content
from tests.faults.server import start
from tests.rights.conftest import form_notice
from tests.support.quality import (
    axe_check,
    collect_console_errors,
    collect_third_party_requests,
    format_axe_violations,
    free_port,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("rights-browser")
    content = write_content(root / "content", {"clinique": form_notice()})
    port = free_port()
    process = start(settings_env(root, content), port, root / "server.log")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def _accessible(page: Page, javascript: bool) -> None:
    if not javascript:
        return  # axe runs in the page's JavaScript: the same documents are audited in the run with it
    violations = axe_check(page)
    assert violations == [], format_axe_violations(violations)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_form_works_and_is_accessible(browser: Browser, server: str, javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript, locale="fr-FR")
    page = context.new_page()
    errors = collect_console_errors(page)
    elsewhere = collect_third_party_requests(context, server)
    try:
        page.goto(f"{server}/rights/clinique/fr/")
        assert page.get_by_role("heading", level=1).inner_text() == "Exercer vos droits"
        _accessible(page, javascript)

        # Sent with mistakes: errors beside their fields, what was typed kept.
        page.get_by_label("Vos nom et prénom").fill("Ana Dupont")
        page.get_by_label("Votre adresse e-mail").fill("ana@")
        page.get_by_role("button", name="Envoyer ma demande").click()
        page.wait_for_load_state()
        assert page.title().startswith("Erreur\u00a0:")
        summary = page.locator(".error-summary")
        assert "Choisissez au moins un droit." in summary.inner_text()
        assert page.get_by_label("Vos nom et prénom").input_value() == "Ana Dupont"
        email = page.get_by_label("Votre adresse e-mail")
        assert email.get_attribute("aria-invalid") == "true"
        described = email.get_attribute("aria-describedby") or ""
        assert "email-error" in described
        assert "nom@exemple.fr" in page.locator("#email-error").inner_text()
        _accessible(page, javascript)

        page.get_by_label("Droit d'accès").check()
        email.fill("ana@example.fr")
        page.get_by_label("Vous êtes").select_option("patients")
        page.get_by_label("Votre demande").fill("Je souhaite une copie de mes examens de 2024.")
        page.get_by_role("button", name="Envoyer ma demande").click()
        page.wait_for_url(re.compile(r"/rights/clinique/fr/sent$"))
        reference = page.locator(".reference").inner_text()
        assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", reference)
        assert "au plus tard le" in page.locator("main").inner_text()
        _accessible(page, javascript)
        # The form sent with mistakes is answered 422, which Chromium logs; nothing else may be.
        assert [e for e in errors if "status of 422" not in e] == []
        assert elsewhere == []
    finally:
        context.close()


def test_the_focus_is_visible(page: Page, server: str) -> None:
    page.goto(f"{server}/rights/clinique/fr/")
    page.get_by_label("Vos nom et prénom").focus()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_on_a_disk_that_refuses_writes_the_form_comes_back_filled_in_and_accessible(
    browser: Browser, tmp_path: Path
) -> None:
    from tests.faults.injection import refuse_writes

    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    port = free_port()
    process = start(settings_env(tmp_path, content), port, tmp_path / "server.log")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"http://127.0.0.1:{port}/rights/clinique/fr/")
        page.get_by_label("Droit d'accès").check()
        page.get_by_label("Vos nom et prénom").fill("Ana Dupont")
        page.get_by_label("Votre adresse e-mail").fill("ana@example.fr")
        page.get_by_label("Vous êtes").select_option("patients")
        page.get_by_label("Votre demande").fill("Je souhaite une copie de mes examens de 2024.")
        refuse_writes(process.pid, True)
        page.get_by_role("button", name="Envoyer ma demande").click()
        page.wait_for_load_state()
        assert page.title().startswith("Erreur\u00a0:")
        assert "n'a pas pu être enregistrée" in page.get_by_role("alert").inner_text()
        assert page.get_by_label("Droit d'accès").is_checked()
        assert page.get_by_label("Votre adresse e-mail").input_value() == "ana@example.fr"
        assert (
            page.get_by_role("textbox", name="Votre demande").input_value()
            == "Je souhaite une copie de mes examens de 2024."
        )
        _accessible(page, True)
        refuse_writes(process.pid, False)
        page.get_by_role("button", name="Envoyer ma demande").click()  # sent again, as the page says
        page.wait_for_url(re.compile(r"/rights/clinique/fr/sent$"))
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=20)
