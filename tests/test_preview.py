"""build.py preview in real Chromium: a save repaints the page by itself, with the check's problems on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, Request

from privacy.preview import RunningPreview, wait_for_generation
from tests.factories import minimal_notice, write_content

# A bound on waiting, not a measure: the benchmark measures (bench/preview.py).
WAIT_MS = 20_000


def save(content: Path, notice: dict[str, object], site: str = "clinique") -> None:
    """What an editor does: write one policy.yaml (the registry beside it is left alone)."""
    text = yaml.safe_dump(notice, allow_unicode=True, sort_keys=False)
    (content / site / "policy.yaml").write_text(text, encoding="utf-8")


def kept(page: Page) -> bool:
    """Whether the page is the document that was loaded first: a reload would have dropped this mark."""
    return bool(page.evaluate("window.previewMark === 1"))


def test_a_save_repaints_the_page_and_its_problems_show_on_it(
    tmp_path: Path, page: Page, capsys: pytest.CaptureFixture[str]
) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    with RunningPreview(content, tmp_path / "public") as preview:
        page.goto(preview.url + "clinique/fr/")
        assert "Soigner les patients" in page.inner_text("main")
        assert "Aucun problème" in page.inner_text(".preview-problems")
        page.evaluate("window.previewMark = 1")

        notice = minimal_notice()
        notice["processing"][0]["purpose"] = {"fr": "Soigner et suivre les patients", "en": "Caring"}
        save(content, notice)
        # Repainted by itself, nobody pressed anything; in place: the same document, its stylesheet still applied.
        page.wait_for_function("document.body.innerText.includes('Soigner et suivre les patients')", timeout=WAIT_MS)
        assert kept(page)
        assert page.evaluate("getComputedStyle(document.querySelector('.skip')).position") == "absolute"

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
        assert wait_for_generation(preview.state, generation, WAIT_MS / 1000)
        assert "is not a known code" not in capsys.readouterr().err


def test_the_preview_serves_nothing_outside_its_folder_and_archives_nothing(tmp_path: Path, page: Page) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    with RunningPreview(content, tmp_path / "public") as preview:
        for escape in ("..%2F..%2Fetc%2Fpasswd", "clinique/..%2F..%2F..%2Fetc%2Fpasswd", "nowhere/"):
            assert page.request.get(preview.url + escape).status == 404
    assert not (content / "clinique" / "versions").exists()


def test_a_change_to_the_page_head_reloads_it_and_other_sites_pages_are_left_alone(tmp_path: Path, page: Page) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice(), "hopital": minimal_notice()})
    with RunningPreview(content, tmp_path / "public") as preview:
        page.goto(preview.url + "clinique/fr/")
        page.evaluate("window.previewMark = 1")
        fetched: list[str] = []

        def requested(request: Request) -> None:
            fetched.append(request.url)

        page.on("request", requested)
        other = minimal_notice()
        other["processing"][0]["purpose"] = {"fr": "Soigner à l'hôpital", "en": "Hospital care"}
        generation = preview.state.generation
        save(content, other, "hopital")
        assert wait_for_generation(preview.state, generation, WAIT_MS / 1000)
        mine = minimal_notice()
        mine["processing"][0]["purpose"] = {"fr": "Soigner à la clinique", "en": "Clinic care"}
        save(content, mine)
        page.wait_for_function("document.body.innerText.includes('Soigner à la clinique')", timeout=WAIT_MS)
        # Told which sites each build rebuilt, the clinic's page asked for itself once: for its own build only.
        assert fetched.count(preview.url + "clinique/fr/") == 1
        assert kept(page)

        # A base URL gives the page canonical and absolute hreflang links: its head changed, so it reloads.
        moved = minimal_notice(base_url="https://notices.example.org/clinique/")
        save(content, moved)
        page.wait_for_function(
            "document.querySelector('link[rel=canonical]')?.href === 'https://notices.example.org/clinique/fr/'",
            timeout=WAIT_MS,
        )
        assert not kept(page)


def test_by_default_the_pages_go_to_memory_and_are_removed_when_the_preview_stops(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    with RunningPreview(content) as preview:
        scratch = preview.out.parent
        assert (preview.out / "clinique" / "fr" / "index.html").is_file()
        if Path("/dev/shm").is_dir():  # Linux: a tmpfs, where renames wait behind no one's disk writes
            assert scratch.parent == Path("/dev/shm")
    assert not scratch.exists()
