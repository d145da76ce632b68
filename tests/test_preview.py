"""build.py preview in real Chromium: a save repaints the page by itself, with the check's problems on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from privacy.preview import RunningPreview
from tests.factories import minimal_notice, write_content

# A bound on waiting, not a measure: the benchmark measures (bench/preview.py).
WAIT_MS = 20_000


def save(content: Path, notice: dict[str, object]) -> None:
    write_content(content, {"clinique": notice})


def test_a_save_repaints_the_page_and_its_problems_show_on_it(
    tmp_path: Path, page: Page, capsys: pytest.CaptureFixture[str]
) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    with RunningPreview(content, tmp_path / "public") as preview:
        page.goto(preview.url + "clinique/fr/")
        assert "Soigner les patients" in page.inner_text("main")
        assert "Aucun problème" in page.inner_text(".preview-problems")
        loads: list[Page] = []

        def loaded(reloaded: Page) -> None:
            loads.append(reloaded)

        page.on("load", loaded)

        notice = minimal_notice()
        notice["processing"][0]["purpose"] = {"fr": "Soigner et suivre les patients", "en": "Caring"}
        save(content, notice)
        page.wait_for_function("document.body.innerText.includes('Soigner et suivre les patients')", timeout=WAIT_MS)
        assert loads  # the page reloaded by itself: nobody pressed anything

        broken = minimal_notice()
        broken["processing"][0]["legal_basis"] = "contrat"
        save(content, broken)
        page.wait_for_function(
            "document.querySelector('.preview-problems').innerText.includes('contrat')", timeout=WAIT_MS
        )
        panel = page.inner_text(".preview-problems")
        # In the page's language, with the file and line to fix.
        assert re.search(r"content/clinique/policy\.yaml:\d+ processing\[0\]\.legal_basis\u00a0?: erreur", panel)
        assert "«\u00a0contrat\u00a0»" in panel
        english = page.context.new_page()
        english.goto(preview.url + "clinique/en/")
        assert "is not a known code" in english.inner_text(".preview-problems")

        printed = capsys.readouterr().err
        assert printed.count("“contrat” is not a known code") == 1
        # Another save with the same mistake: the page repaints, the terminal does not say it again.
        broken["introduction"] = {"fr": "Une clinique.", "en": "A clinic."}
        generation = preview.state.generation
        save(content, broken)
        page.wait_for_function("1", timeout=WAIT_MS)
        from privacy.preview import wait_for_generation

        assert wait_for_generation(preview.state, generation, WAIT_MS / 1000)
        assert "is not a known code" not in capsys.readouterr().err


def test_the_preview_serves_nothing_outside_its_folder_and_archives_nothing(tmp_path: Path, page: Page) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    with RunningPreview(content, tmp_path / "public") as preview:
        for escape in ("..%2F..%2Fetc%2Fpasswd", "clinique/..%2F..%2F..%2Fetc%2Fpasswd", "nowhere/"):
            assert page.request.get(preview.url + escape).status == 404
    assert not (content / "clinique" / "versions").exists()
