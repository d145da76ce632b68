"""The widget's files and what the build publishes: budget, CSP safety, hashed names, the notice's form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from privacy.consent.widget import GZIP_BUDGET, WIDGET_DIR, gzipped_size
from privacy.pipeline import build
from tests.consent.conftest import ESSENTIAL, OPT_IN
from tests.support.quality import format_vnu_errors, vnu_check

SCRIPT = (WIDGET_DIR / "consent.js").read_text(encoding="utf-8")
STYLES = (WIDGET_DIR / "consent.css").read_text(encoding="utf-8")


def test_script_and_stylesheet_fit_the_budget() -> None:
    assert gzipped_size() <= GZIP_BUDGET == 4096


@pytest.mark.parametrize(
    "forbidden",
    [
        r"\beval\s*\(",
        r"new\s+Function",
        r"setAttribute\(\s*['\"]style",
        r"\.style\.",
        r"innerHTML",
        r"document\.write",
        r"https?://",
    ],
)
def test_the_script_stays_within_a_strict_csp_and_the_origin(forbidden: str) -> None:
    assert not re.search(forbidden, SCRIPT)


def test_the_stylesheet_loads_nothing_from_elsewhere() -> None:
    assert "url(" not in STYLES and "@import" not in STYLES


def test_the_script_has_no_wording_of_its_own() -> None:
    # Every sentence comes from the catalogs through GET /consent.
    strings = re.findall(r"'([^'\n]*)'", SCRIPT)
    assert not [s for s in strings if re.search(r"[A-Za-z]+ [a-z]+ [a-z]+", s)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.consent.conftest import consent_sites
    from tests.factories import write_content

    root = tmp_path_factory.mktemp("built")
    result = build(write_content(root / "content", consent_sites()), root / "public")
    assert result.ok, result.problems
    return root / "public"


def test_the_build_publishes_hashed_assets_and_embeds_them(built: Path) -> None:
    script = next((built / "assets").glob("consent.*.js"))
    stylesheet = next((built / "assets").glob("consent.*.css"))
    assert script.read_text(encoding="utf-8") == SCRIPT
    assert re.fullmatch(r"consent\.[0-9a-f]{10}\.js", script.name)
    page = (built / OPT_IN / "fr" / "index.html").read_text(encoding="utf-8")
    assert f'<script src="../../assets/{script.name}" data-site="{OPT_IN}" defer></script>' in page
    assert f'<link rel="stylesheet" href="../../assets/{stylesheet.name}">' in page
    assert "<script>" not in page and "style=" not in page


def test_the_notice_offers_the_no_javascript_form_and_lists_the_consent_cookie(built: Path) -> None:
    page = (built / OPT_IN / "fr" / "index.html").read_text(encoding="utf-8")
    assert '<form method="post" action="/consent" data-consent-form>' in page
    assert 'name="return" value="/clinique/fr/#cookie-settings"' in page
    assert 'name="category" value="audience_measurement"' in page
    for action in ("accept", "reject", "customize"):
        assert f'name="action" value="{action}"' in page
    assert "<code>consent-clinique</code>" in page
    assert "Retient votre choix sur les cookies facultatifs" in page
    essential = (built / ESSENTIAL / "en" / "index.html").read_text(encoding="utf-8")
    assert 'name="action" value="dismiss"' in essential and 'name="category"' not in essential


def test_the_built_site_shows_the_embed_snippet(built: Path) -> None:
    page = (built / OPT_IN / "en" / "consent-widget.html").read_text(encoding="utf-8")
    script = next((built / "assets").glob("consent.*.js")).name
    assert f"&lt;script src=&#34;/assets/{script}&#34; data-site=&#34;{OPT_IN}&#34; defer&gt;&lt;/script&gt;" in page
    assert "data-consent-open" in page


def test_the_pages_are_valid_html(built: Path) -> None:
    pages = [
        built / site / lang / name
        for site in (OPT_IN, ESSENTIAL)
        for lang in ("fr", "en")
        for name in ("index.html", "consent-widget.html")
    ]
    errors = vnu_check(pages)
    assert not errors, format_vnu_errors(errors)
