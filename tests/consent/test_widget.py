"""The widget's files and what the build publishes: budget, CSP safety, hashed names, the notice's form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from privacy.consent.widget import GZIP_BUDGET, WIDGET_DIR, gzipped_size, integrity, published
from privacy.pipeline import build
from tests.consent.conftest import ESSENTIAL, OPT_IN
from tests.support.quality import format_vnu_errors, vnu_check

SCRIPT = (WIDGET_DIR / "consent.js").read_text(encoding="utf-8")
PARTS = [(WIDGET_DIR / name).read_text(encoding="utf-8") for name in ("consent-embeds.js", "consent-mode.js")]
STYLES = (WIDGET_DIR / "consent.css").read_text(encoding="utf-8")


def test_script_and_stylesheet_fit_the_budget() -> None:
    assert gzipped_size() <= GZIP_BUDGET == 5120


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
    for script in (SCRIPT, *PARTS):
        assert not re.search(forbidden, script)


def test_the_stylesheet_loads_nothing_from_elsewhere() -> None:
    assert "url(" not in STYLES and "@import" not in STYLES


def test_the_script_has_no_wording_of_its_own() -> None:
    # Every sentence comes from the catalogs through GET /consent.
    strings = [s for script in (SCRIPT, *PARTS) for s in re.findall(r"'([^'\n]*)'", script)]
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
    assert script.read_bytes() == published()[0] and stylesheet.read_bytes() == published()[1]
    assert re.fullmatch(r"consent\.[0-9a-f]{10}\.js", script.name)
    page = (built / OPT_IN / "fr" / "index.html").read_text(encoding="utf-8")
    script_sri, stylesheet_sri = (integrity(p.read_bytes()) for p in (script, stylesheet))
    assert (
        f'<script src="../../assets/{script.name}" integrity="{script_sri}" data-site="{OPT_IN}" defer></script>'
        in page
    )
    assert f'<link rel="stylesheet" href="../../assets/{stylesheet.name}" integrity="{stylesheet_sri}">' in page
    assert "<script>" not in page and "style=" not in page


def test_the_stable_addresses_serve_the_same_files_as_the_hashed_ones(built: Path) -> None:
    for stem in ("consent", "consent-mode"):
        hashed = next(p for p in (built / "assets").glob(f"{stem}.*.js") if re.search(r"\.[0-9a-f]{10}\.js$", p.name))
        assert (built / "assets" / f"{stem}.js").read_bytes() == hashed.read_bytes()
    hashed_css = next((built / "assets").glob("consent.*.css"))
    assert (built / "assets" / "consent.css").read_bytes() == hashed_css.read_bytes()


def test_the_script_names_its_lazy_part_with_its_integrity(built: Path) -> None:
    part = next((built / "assets").glob("consent-embeds.*.js"))
    script = (built / "assets" / "consent.js").read_text(encoding="utf-8")
    assert f'var PARTS={{"embeds":["{part.name}","{integrity(part.read_bytes())}"]}};' in script
    # The source keeps the plain names, for the npm package, which serves its files side by side.
    assert 'var PARTS = {"embeds": ["consent-embeds.js", ""]};' in SCRIPT


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
    script = next((built / "assets").glob("consent.*.js"))
    stable = f"&lt;script src=&#34;/assets/consent.js&#34; data-site=&#34;{OPT_IN}&#34; defer&gt;&lt;/script&gt;"
    assert stable in page
    sri = integrity(script.read_bytes())
    pinned = f"&lt;script src=&#34;/assets/{script.name}&#34; integrity=&#34;{sri}&#34; data-site=&#34;{OPT_IN}&#34;"
    assert pinned in page
    assert "data-consent-open" in page
    assert "consent-mode" not in page  # no Google Consent Mode mapped: nothing of Google


def test_the_pages_are_valid_html(built: Path) -> None:
    pages = [
        built / site / lang / name
        for site in (OPT_IN, ESSENTIAL)
        for lang in ("fr", "en")
        for name in ("index.html", "consent-widget.html")
    ]
    errors = vnu_check(pages)
    assert not errors, format_vnu_errors(errors)


DOCS = Path(__file__).resolve().parents[2] / "docs" / "consent.md"


def docs_html_examples() -> list[str]:
    return re.findall(r"```html\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)


def test_the_markup_the_docs_tell_web_teams_to_write_is_valid_html() -> None:
    examples = docs_html_examples()
    head = next(e for e in examples if 'src="/assets/consent.js"' in e)
    settings_link = next(e for e in examples if "data-consent-open" in e)
    marked = next(e for e in examples if "data-src" in e)

    def document(head: str, body: str) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n<title>Accueil</title>\n'
            f"{head}</head>\n<body>\n<main>\n<h1>Accueil</h1>\n{body}</main>\n</body>\n</html>\n"
        )

    # Each example on its own, then the page the docs describe: the head's lines, the marked content, the link.
    pages = [document("", example) for example in examples]
    pages.append(document(head, marked + "<footer>" + settings_link + "</footer>\n"))
    errors = vnu_check(pages)
    assert not errors, format_vnu_errors(errors)
