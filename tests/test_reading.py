"""Pages people read: on a 390 px phone, on paper, and as search engines see their head (real Chromium)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from privacy.pipeline import build
from tests.factories import EXAMPLE_CONTENT

BASE = "https://notices.example.org/"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reading") / "public"
    assert build(EXAMPLE_CONTENT, out, base_url=BASE).ok
    return out


@pytest.mark.parametrize("notice", ["ihu-imagerie/fr", "clininfo/en", "oiso-genomnis/fr"])
def test_on_a_phone_the_summary_reads_without_sideways_scrolling(site: Path, page: Page, notice: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto((site / notice / "index.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Each purpose is a card: its row is a block, and each fact says which it is.
    assert page.evaluate("getComputedStyle(document.querySelector('#summary tbody tr')).display") == "block"
    label = page.evaluate("getComputedStyle(document.querySelector('#summary tbody td'), '::before').content")
    assert label.strip('"').startswith(("Données", "Data"))
    wide = page.evaluate(
        "[...document.querySelectorAll('#summary tbody tr')].filter(r => r.getBoundingClientRect().right > 390).length"
    )
    assert wide == 0


def test_a_retention_shared_by_every_purpose_is_said_once(site: Path) -> None:
    page = html.unescape((site / "clininfo" / "en" / "index.html").read_text(encoding="utf-8"))
    summary = page[page.index('id="summary"') : page.index("</section>", page.index('id="summary"'))]
    assert summary.count("Until the project ends") == 1
    assert "Kept for, for every purpose:" in summary
    # Where purposes keep data for different periods, each row says its own.
    oiso = html.unescape((site / "oiso-genomnis" / "en" / "index.html").read_text(encoding="utf-8"))
    assert '<th scope="col">Kept for</th>' in oiso and "Kept for, for every purpose" not in oiso


def test_on_paper_the_cookie_form_never_prints_and_links_give_their_address(site: Path, page: Page) -> None:
    page.goto((site / "ihu-imagerie" / "fr" / "index.html").as_uri())
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('#cookie-settings')).display") == "none"
    after = page.evaluate("getComputedStyle(document.querySelector('main a[href^=\"http\"]'), '::after').content")
    assert "attr(href)" in after or "(http" in after


def test_the_web_teams_instructions_are_not_on_the_visitors_notice(site: Path) -> None:
    for notice in ("ihu-imagerie/fr", "ihu-imagerie/en", "clininfo/en"):
        page = (site / notice / "index.html").read_text(encoding="utf-8")
        assert "consent-widget.html" not in page
        embed = (site / notice / "consent-widget.html").read_text(encoding="utf-8")  # still there, for the web team
        assert '<meta name="robots" content="noindex">' in embed.split("</head>")[0]  # and out of search engines


def test_each_page_has_a_description_and_absolute_alternates(site: Path) -> None:
    for notice, language in (("ihu-imagerie/fr", "fr"), ("ihu-imagerie/en", "en")):
        head = (site / notice / "index.html").read_text(encoding="utf-8").split("</head>")[0]
        [description] = re.findall(r'<meta name="description" content="([^"]+)">', head)
        assert len(description) > 50 and ("IHU" in description or "Centre" in description)
        assert f'<link rel="canonical" href="{BASE}ihu-imagerie/{language}/">' in head
        assert f'<link rel="alternate" hreflang="fr" href="{BASE}ihu-imagerie/fr/">' in head
        assert f'<link rel="alternate" hreflang="x-default" href="{BASE}ihu-imagerie/fr/">' in head


def test_every_page_has_a_description_in_its_language(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20  # notices, versions, what changed, the web team's page, the index
    for path in pages:
        head = path.read_text(encoding="utf-8").split("</head>")[0]
        descriptions = re.findall(r'<meta name="description" content="([^"]+)">', head)
        assert len(descriptions) == 1 and len(descriptions[0]) > 40, path
        if "/fr/" in path.as_posix():
            assert not re.search(r"\b(of|the|and|with|how)\b", html.unescape(descriptions[0])), (path, descriptions)


def _head_links(path: Path) -> tuple[str | None, dict[str, str]]:
    head = path.read_text(encoding="utf-8").split("</head>")[0]
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', head)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head))
    return (canonical.group(1) if canonical else None), alternates


def test_hreflang_links_are_absolute_and_answered_by_each_page_they_name(site: Path) -> None:
    notices = sorted(site.glob("*/*/index.html"))
    assert len(notices) >= 6
    for path in notices:
        canonical, alternates = _head_links(path)
        assert canonical == f"{BASE}{path.parent.relative_to(site).as_posix()}/", path
        # Every language of the site, itself included, and the default: each link absolute.
        assert canonical in alternates.values() and "x-default" in alternates, path
        for language, href in alternates.items():
            assert href.startswith(BASE), (path, language, href)
            if language == "x-default":
                continue
            # Reciprocal: the page named lists this one back, under this page's language.
            other = site / href.removeprefix(BASE) / "index.html"
            assert _head_links(other)[1].get(path.parent.name) == canonical, (path, href)
