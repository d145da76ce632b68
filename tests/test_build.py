"""The build: both languages, every section, the example sites' facts, links, exports, atomic publish."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from privacy import incremental
from privacy.pipeline import PARALLEL_THRESHOLD, build
from privacy.render import TEMPLATES_DIR, Renderer
from tests.factories import EXAMPLE_CONTENT, REPO, minimal_notice, write_content

# The IHU's source says nothing of automated decisions: that section is left out rather than "not stated".
SECTIONS = [
    "summary",
    "contents",
    "controller",
    "dpo",
    "people-data",
    "processing",
    "recipients",
    "transfers",
    "rights",
    "security",
    "cookies",
    "laws",
    "changes",
]

# Facts from the seeds, as they must read on each page (language-neutral facts on both).
FACTS = {
    "ihu-imagerie": {
        "*": [
            "Centre d'imagerie médicale IHU Strasbourg",
            "1 place de l'Hôpital",
            "67091",
            "Christian Debry",
            "ACTECIL",
            "204 avenue de Colmar",
            "dpo@gi2s.eu",
            "+33 9 722 722 93",
            "https://www.ihu-imagerie.eu",
            "CNIL",
        ],
        "fr": [
            "Facturation",
            "Organiser les rendez-vous",
            "Agences régionales de santé",
            "Droit à l'effacement",
            "Intérêt légitime",
            "Données de santé",
            "ne sont pas transférées hors de l'Espace économique européen",
            "France",
        ],
        "en": [
            "Billing",
            "Organizing appointments",
            "Regional health agencies",
            "Right to erasure",
            "Legitimate interests",
            "Health data",
            "not transferred outside the European Economic Area",
            "France",
        ],
    },
    "oiso-genomnis": {
        "*": ["Genomnis", "OISO", "RPPS", "ADELI", "FINESS"],
        "fr": [
            "Dernière mise à jour le 15 janvier 2025",
            "6 mois",
            "1 an",
            "puis archivées",
            "Données de santé",
            "Projet",
            "ne dépose que des cookies strictement nécessaires",
        ],
        "en": [
            "Last updated on January 15, 2025",
            "6 months",
            "1 year",
            "then archived",
            "Health data",
            "Draft",
            "only cookies that are strictly necessary",
        ],
    },
    "clininfo": {
        "*": ["ClinInfo", "dpo@clininfo.fr", "ISO 27001", "HDS", "SOC 1", "eCRF"],
        "fr": ["Sous-traitant", "sous-traitant", "Chiffrement", "Fixée par le responsable du traitement", "États-Unis"],
        "en": [
            "processor",
            "Encryption",
            "Set by the controller",
            "United States",
            "Remembers the language you chose for the applications.",
        ],
    },
}


def test_the_examples_pass_strict_and_the_draft_reports_exactly_what_its_source_lacks() -> None:
    from privacy.pipeline import check

    result = check(EXAMPLE_CONTENT)
    assert [p for p in result.problems if not p.in_draft] == []
    said = sorted((p.path, p.params.get("article", "")) for p in result.problems)
    assert all(p.file.parent.name == "oiso-genomnis" and p.severity == "warning" for p in result.problems)
    assert said == [
        ((), "art. 13(2)(e)"),
        (("dpo",), "art. 13(1)(b)"),
        (("publisher",), "art. 13(1)(a)"),
        (("rights", "offered"), "art. 15"),
    ]


def test_a_draft_is_marked_and_not_indexed(example_site: Path) -> None:
    draft, final = page(example_site, "oiso-genomnis", "en"), page(example_site, "ihu-imagerie", "en")
    assert '<meta name="robots" content="noindex">' in draft and 'class="draft"' in draft
    assert "noindex" not in final and 'class="draft"' not in final


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "public"
    result = build(EXAMPLE_CONTENT, out, base_url="https://notices.example.org/")
    assert result.ok, [p.render("en") for p in result.problems if p.severity == "error"]
    return out


def page(out: Path, site: str, lang: str) -> str:
    return (out / site / lang / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("lang", "health"), [("fr", "Données de santé"), ("en", "Health data")])
def test_a_data_category_named_as_its_special_category_says_it_once(example_site: Path, lang: str, health: str) -> None:
    # IHU's “Health data” is the special category “Health data”: the tag would repeat the name.
    item = re.search(r'<li id="data-health">(.*?)</li>', page(example_site, "ihu-imagerie", lang), re.DOTALL)
    assert item and html.unescape(re.sub(r"<[^>]+>", "", item.group(1))).count(health) == 1, item


@pytest.mark.parametrize("site", sorted(FACTS))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_example_site_states_its_facts(example_site: Path, site: str, lang: str) -> None:
    html = page(example_site, site, lang).replace("&#39;", "'").replace("\xa0", " ")
    missing = [fact for fact in FACTS[site]["*"] + FACTS[site][lang] if fact not in html]
    assert missing == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_section_has_its_anchor_and_a_toc_link(example_site: Path, lang: str) -> None:
    html = page(example_site, "ihu-imagerie", lang)
    for section in SECTIONS:
        assert f'id="{section}"' in html
    for section in SECTIONS[2:]:
        assert f'href="#{section}"' in html
    assert 'id="automated-decisions"' not in html and 'href="#automated-decisions"' not in html


def test_language_attributes_switcher_and_alternates(example_site: Path) -> None:
    fr = page(example_site, "ihu-imagerie", "fr")
    assert '<html lang="fr">' in fr
    assert '<a href="../en/" hreflang="en" lang="en">English</a>' in fr
    assert '<span aria-current="page" lang="fr">Français</span>' in fr
    assert '<link rel="canonical" href="https://notices.example.org/ihu-imagerie/fr/">' in fr
    assert '<link rel="alternate" hreflang="en" href="https://notices.example.org/ihu-imagerie/en/">' in fr
    assert '<link rel="alternate" hreflang="x-default" href="https://notices.example.org/ihu-imagerie/fr/">' in fr
    assert '<html lang="en">' in page(example_site, "ihu-imagerie", "en")


def test_headings_and_wording_come_from_the_catalogs(example_site: Path) -> None:
    assert '<h2 id="summary-title">En bref</h2>' in page(example_site, "ihu-imagerie", "fr")
    assert '<h2 id="summary-title">In short</h2>' in page(example_site, "ihu-imagerie", "en")


def test_summary_table_has_headers(example_site: Path) -> None:
    html = page(example_site, "ihu-imagerie", "en")
    summary = html[html.index('id="summary"') : html.index('id="contents"')]
    assert summary.count('<th scope="col">') == 4
    assert summary.count('<th scope="row">') == 6


def test_no_inline_script_and_nothing_from_another_origin(example_site: Path) -> None:
    for html_file in example_site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        # Only the consent widget, from our own assets; the notice itself needs no JavaScript.
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(re.fullmatch(r'<script src="[./]*assets/consent\.[0-9a-f]+\.js"[^>]*>', tag) for tag in scripts), (
            scripts
        )
        assert "style=" not in html
        assert not re.search(r'(src|href)="(https?:)?//(?!notices\.example\.org)[^"]*\.(css|js|woff2?|png|svg)', html)


def test_sitemap_and_index(example_site: Path) -> None:
    sitemap = (example_site / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.count("<loc>") == 4  # two sites in two languages; the OISO draft is left out
    assert "https://notices.example.org/clininfo/en/" in sitemap
    index = (example_site / "index.html").read_text(encoding="utf-8")
    assert 'href="ihu-imagerie/fr/"' in index and 'href="clininfo/en/"' in index


def test_stylesheet_has_a_content_hash(example_site: Path) -> None:
    (css,) = (example_site / "assets").glob("notice.*.css")
    assert re.fullmatch(r"notice\.[0-9a-f]{10}\.css", css.name)
    assert f'href="../../assets/{css.name}"' in page(example_site, "clininfo", "fr")


def test_json_export_in_each_language(example_site: Path) -> None:
    fr = json.loads((example_site / "ihu-imagerie" / "fr" / "notice.json").read_text(encoding="utf-8"))
    en = json.loads((example_site / "ihu-imagerie" / "en" / "notice.json").read_text(encoding="utf-8"))
    assert fr["language"] == "fr" and en["language"] == "en"
    assert fr["notice"]["processing"][4]["purpose"] == "Facturation"
    assert en["notice"]["processing"][4]["purpose"] == "Billing"
    assert en["notice"]["dpo"]["contact"]["email"] == "dpo@gi2s.eu"
    assert fr["labels"]["LegalBasis.contract"] == "Exécution d'un contrat"
    assert en["authority"]["name"] == "the French data protection authority (CNIL)"


def test_markdown_renders_and_raw_html_never_passes(tmp_path: Path) -> None:
    notice = minimal_notice(
        introduction={
            "fr": "Voir **la charte** et [le site](https://clinique.example) ou [ceci](javascript:alert(1)).",
            "en": "See **the charter** and [the site](https://clinique.example) or [this](javascript:alert(1)).",
        }
    )
    out = tmp_path / "public"
    assert build(write_content(tmp_path / "content", {"clinique": notice}), out).ok
    html = page(out, "clinique", "en")
    assert "<strong>the charter</strong>" in html
    assert '<a href="https://clinique.example">the site</a>' in html
    assert "javascript:" not in html


def test_a_missing_translation_fails_the_build_unless_a_fallback_is_allowed(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["purpose"] = {"fr": "Soigner les patients"}
    notice["publisher"]["legal_form"] = {"fr": "Société anonyme"}
    out = tmp_path / "public"
    refused = build(write_content(tmp_path / "content", {"clinique": notice}), out)
    assert not refused.ok and not (out / "clinique").exists()
    allowed = build(write_content(tmp_path / "content", {"clinique": {**notice, "language_fallback": True}}), out)
    assert allowed.ok
    html = page(out, "clinique", "en")
    # The French text on the English page says it is French, inline and as a block.
    assert '<span lang="fr">Société anonyme</span>' in html
    assert re.search(
        r'<(span|div) lang="fr"><p>Soigner les patients</p></\1>|<span lang="fr">Soigner les patients</span>', html
    )
    assert '<span lang="fr">' not in page(out, "clinique", "fr")


def test_no_base_url_means_no_canonical_and_no_sitemap(tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert build(write_content(tmp_path / "content", {"clinique": minimal_notice()}), out).ok
    html = page(out, "clinique", "fr")
    assert 'rel="canonical"' not in html
    assert '<link rel="alternate" hreflang="en" href="../en/">' in html
    assert not (out / "sitemap.xml").exists()


def test_a_failed_build_leaves_the_published_output_untouched(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    out = tmp_path / "public"
    assert build(content, out).ok
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (content / "clinique" / "policy.yaml").write_text("publisher: [broken\n", encoding="utf-8")
    result = build(content, out)
    assert not result.ok
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".public") and not p.name.endswith("-cache")] == []


def test_a_crash_while_rendering_leaves_the_output_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    out = tmp_path / "public"
    assert build(content, out).ok
    before = sorted(p.name for p in out.rglob("*"))

    def explode(*args: object, **kwargs: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr("privacy.pipeline.notice_exports", explode)
    write_content(content, {"clinique": minimal_notice(version="2.0")})
    with pytest.raises(OSError):
        build(content, out)
    assert sorted(p.name for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".public") and not p.name.endswith("-cache")] == []


def test_a_rebuild_replaces_the_output(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    out = tmp_path / "public"
    assert build(content, out).ok
    write_content(content, {"clinique": minimal_notice(version="2.0")})
    assert build(content, out).ok
    assert "Version 2.0" in page(out, "clinique", "en")


def test_a_rebuild_renders_only_the_sites_that_changed(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"a": minimal_notice(), "b": minimal_notice()})
    out = tmp_path / "public"
    assert build(content, out).rendered == 2
    kept = (out / "b" / "fr" / "index.html").stat().st_ino
    write_content(content, {"a": minimal_notice(version="2.0")})
    result = build(content, out)
    assert result.ok and result.rendered == 1
    assert sorted(result.pages) == ["a/en/index.html", "a/fr/index.html", "b/en/index.html", "b/fr/index.html"]
    assert "Version 2.0" in page(out, "a", "en") and "Version 1.0" in page(out, "b", "en")
    assert (out / "b" / "fr" / "index.html").stat().st_ino == kept  # carried over, not rewritten


def test_the_index_and_sitemap_are_rewritten_only_when_the_list_of_sites_changes(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"a": minimal_notice(), "b": minimal_notice()})
    out = tmp_path / "public"
    base = "https://notices.example.org/"
    assert build(content, out, base_url=base).ok
    listing = {name: (out / name).stat().st_ino for name in ("index.html", "sitemap.xml")}
    write_content(content, {"a": minimal_notice(version="2.0")})  # same name, languages and addresses
    assert build(content, out, base_url=base).rendered == 1
    assert {name: (out / name).stat().st_ino for name in listing} == listing  # carried over
    renamed = minimal_notice(version="3.0")
    renamed["publisher"]["name"] = "Clinique Renommée"
    write_content(content, {"a": renamed})
    assert build(content, out, base_url=base).rendered == 1
    assert "Clinique Renommée" in (out / "index.html").read_text(encoding="utf-8")
    (out / "sitemap.xml").unlink()  # an output file lost: put back by the next build
    write_content(content, {"b": minimal_notice(version="2.0")})
    assert build(content, out, base_url=base).ok
    assert (out / "sitemap.xml").read_text(encoding="utf-8").count("<loc>") == 4


def test_warnings_of_unchanged_sites_are_still_reported(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"a": minimal_notice(dpo={"name": "X"}), "b": minimal_notice()})
    out = tmp_path / "public"
    first = [p.render("en") for p in build(content, out).problems]
    write_content(content, {"b": minimal_notice(version="2.0")})
    assert [p.render("en") for p in build(content, out).problems] == first


def test_a_change_to_shared_inputs_renders_everything(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"a": minimal_notice(), "b": minimal_notice()})
    out = tmp_path / "public"
    build(content, out)
    assert build(content, out, base_url="https://elsewhere.example/").rendered == 2
    assert 'href="https://elsewhere.example/a/fr/"' in page(out, "a", "fr")


def test_upgrading_a_rendering_library_renders_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    library = tmp_path / "libs" / "fakemarkup"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("VERSION = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "libs"))
    monkeypatch.setattr(incremental, "RENDERING_LIBRARIES", (*incremental.RENDERING_LIBRARIES, "fakemarkup"))
    content = write_content(tmp_path / "content", {"a": minimal_notice(), "b": minimal_notice()})
    out = tmp_path / "public"
    build(content, out)
    assert build(content, out).rendered == 0
    os.utime(library / "__init__.py", ns=(1, 1_000_000_000))  # as a pip upgrade rewrites the package's files
    assert build(content, out).rendered == 2
    assert "fakemarkup" not in sys.modules  # found, never imported


def test_a_removed_site_disappears_from_the_output(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"a": minimal_notice(), "b": minimal_notice()})
    out = tmp_path / "public"
    build(content, out)
    shutil.rmtree(content / "b")
    assert build(content, out).ok
    assert not (out / "b").exists()
    assert "b/fr/" not in (out / "index.html").read_text(encoding="utf-8")


def test_parallel_rendering_gives_the_same_output(tmp_path: Path) -> None:
    sites = {f"site-{i:02d}": minimal_notice(version=f"1.{i}") for i in range(PARALLEL_THRESHOLD)}
    content = write_content(tmp_path / "content", sites)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert build(content, serial, workers=1).ok and build(content, parallel, workers=2).ok
    files = sorted(p.relative_to(serial) for p in serial.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(parallel) for p in parallel.rglob("*") if p.is_file())
    assert all((serial / f).read_bytes() == (parallel / f).read_bytes() for f in files)


def test_a_notice_under_moroccan_law_needs_no_code_change(tmp_path: Path) -> None:
    notice = minimal_notice(
        jurisdiction={
            "laws": ["ma-09-08"],
            "authority": "cndp",
            "formalities": [{"kind": "declaration", "number": "D-GC-123/2024", "issued": "2024-01-01"}],
        },
        transfers="none",
    )
    notice["rights"]["offered"] = ["access", "rectification", "objection"]
    notice["processing"][0]["special_condition"] = "explicit_consent"
    notice["processing"][0]["provision"] = {"requirement": "contract_prerequisite"}
    out = tmp_path / "public"
    result = build(write_content(tmp_path / "content", {"clinique-rabat": notice}), out)
    assert result.ok and [p for p in result.problems if p.severity == "warning"] == []
    fr, en = page(out, "clinique-rabat", "fr"), page(out, "clinique-rabat", "en")
    assert (
        "auprès de la Commission nationale de contrôle de la protection des données à caractère personnel (CNDP)" in fr
    )
    assert "Moroccan Law No. 09-08" in en and "Rabat" in en and "Morocco" in en
    assert "CNIL" not in fr + en
    # The law's own area, vocabulary, articles and formalities; no deadline of its own, so none is borrowed.
    assert "Transfers outside Morocco" in en and "ne sont pas transférées hors du Maroc" in fr
    assert "Donnée sensible, que la loi protège plus strictement (art. 1(3))" in fr
    assert "Votre consentement exprès (art. 21)" in fr
    assert "Récépissé de déclaration auprès de la CNDP n°\u00a0D-GC-123/2024, du 1er janvier 2024" in fr
    assert "We answer within" not in en and "European" not in en


def test_a_cache_folder_that_cannot_be_made_is_no_build_error(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"a": minimal_notice()})
    (tmp_path / ".public-cache").write_text("a file where the cache folder would go", encoding="utf-8")
    result = build(content, tmp_path / "public")
    assert result.ok and "Version 1.0" in page(tmp_path / "public", "a", "en")


def test_a_cache_folder_that_cannot_be_written_to_is_no_build_error(tmp_path: Path) -> None:
    from privacy.render import Renderer

    content = write_content(tmp_path / "content", {"a": minimal_notice()})
    renderer = Renderer(["fr", "en"], cache_dir=tmp_path / ".public-cache")  # makes its cache folders
    shutil.rmtree(tmp_path / ".public-cache")  # gone before the first template is compiled: nowhere to write
    result = build(content, tmp_path / "public", renderer=renderer)
    assert result.ok and "Version 1.0" in page(tmp_path / "public", "a", "en")


def test_parallel_rendering_reports_the_same_problems(tmp_path: Path) -> None:
    # The catalogs are checked while the workers render: a language without one is still reported.
    sites = {f"site-{i:02d}": minimal_notice(version=f"1.{i}") for i in range(PARALLEL_THRESHOLD)}
    sites["site-00"]["languages"] = ["fr", "de"]
    content = write_content(tmp_path / "content", sites)
    serial, parallel = build(content, tmp_path / "serial", workers=1), build(content, tmp_path / "parallel", workers=2)
    assert not serial.ok and any("no catalog for the language “de”" in p.text("en") for p in serial.problems)
    assert [(p.path, p.line, p.text("en")) for p in parallel.problems] == [
        (p.path, p.line, p.text("en")) for p in serial.problems
    ]


def _templates_with(tmp_path: Path, name: str, line: int, text: str) -> Path:
    """A copy of the product's templates with one line of ``name`` replaced, as a web team might edit it."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    lines = (templates / name).read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    (templates / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return templates


@pytest.mark.parametrize(
    ("text", "found_at", "detail"),
    [
        ("<h1>{{ n.no_such_field }}</h1>", "<h1>{{ n.no_such_field", "has no attribute 'no_such_field'"),  # rendering
        ("{% if n.title %}<h1>", "{% endblock %}", "unknown tag 'endblock'"),  # compiling: where Jinja notices it
    ],
)
def test_a_broken_template_is_reported_at_its_line_once_and_nothing_is_published(
    tmp_path: Path, text: str, found_at: str, detail: str
) -> None:
    templates = _templates_with(tmp_path, "notice.html", 20, text)
    lines = (templates / "notice.html").read_text(encoding="utf-8").splitlines()
    line = next(number for number, written in enumerate(lines, 1) if number >= 20 and written.startswith(found_at))
    sites = {f"site-{i:02d}": minimal_notice() for i in range(PARALLEL_THRESHOLD)}
    content, out = write_content(tmp_path / "content", sites), tmp_path / "public"
    result = build(content, out, workers=2, renderer=Renderer(templates_dir=templates, cache_dir=tmp_path / "cache"))
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert (problem.file, problem.line) == (templates / "notice.html", line)
    assert detail in problem.text("en") and problem.text("fr").startswith("ce modèle")
    assert not out.exists()


def test_a_change_to_an_organizations_own_catalogs_renders_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PRIVACY_LOCALES_DIR may put the catalogs outside the product: they are part of every page all the same.
    locales = tmp_path / "locales"
    shutil.copytree(REPO / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr("privacy.i18n.LOCALES_DIR", locales)
    content, out = write_content(tmp_path / "content", {"a": minimal_notice(), "b": minimal_notice()}), tmp_path / "out"
    assert build(content, out).rendered == 2 and build(content, out).rendered == 0
    po = locales / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8") + "\n# reworded by the organization\n", encoding="utf-8")
    assert build(content, out).rendered == 2


def structured_notice() -> dict[str, Any]:
    """Joint control with a controller of no fixed identity, identified processors, several legal bases…"""
    notice = minimal_notice(
        service={"name": "Partage Imagerie", "website": "https://partage.example"},
        commitments=["no_sale", "no_targeted_advertising"],
        joint_controllers=[
            {
                "id": "care-structure",
                "described": {
                    "fr": "La structure de soins qui vous prend en charge ; ses coordonnées figurent sur son site.",
                    "en": "The care structure treating you; its details are on its own website.",
                },
                "responsibilities": {"fr": "Informer les patients", "en": "Informing patients"},
                "rights_contact": True,
            },
            {
                "id": "gie",
                "name": "GIE Exemple",
                "registrations": [{"scheme": "siren", "number": "123 456 789"}],
                "contact": {
                    "email": "dpo@gie.example",
                    "emails": ["droits@gie.example"],
                    "phone": "+33 1 02 03 04 05",
                    "phones": ["+33 6 07 08 09 10"],
                },
                "responsibilities": {"fr": "Héberger la plateforme", "en": "Hosting the platform"},
                "rights_contact": True,
            },
        ],
        joint_arrangement={
            "essence": {"fr": "Un accord répartit les rôles.", "en": "An agreement shares the roles."},
            "rights_contact": "gie",
            "publisher_responsibilities": {"fr": "Éditer le service", "en": "Publishing the service"},
        },
        processors=[
            {
                "id": "host",
                "name": "Hébergeur SAS",
                "service": {"fr": "Hébergement HDS", "en": "HDS hosting"},
                "registrations": [{"scheme": "rcs", "number": "B 987 654 321", "details": "RCS Paris"}],
                "address": {"lines": ["2 rue du Serveur"], "postcode": "75002", "city": "Paris", "country": "FR"},
                "processor_of": ["publisher", "gie"],
            }
        ],
    )
    care = notice["processing"][0]
    del care["legal_basis"]
    care["legal_bases"] = [
        {"basis": "public_task", "scope": {"fr": "pour les hôpitaux publics", "en": "for public hospitals"}},
        {"basis": "legitimate_interests", "scope": {"fr": "pour les cliniques", "en": "for private clinics"}},
    ]
    care["legitimate_interest"] = {"fr": "Assurer la continuité des soins", "en": "Ensuring continuity of care"}
    care["retention"] = {
        "duration": "20 years",
        "stages": [{"state": "archived", "duration": "5 years"}],
        "after_erasure_request": "30 days",
    }
    notice["rights"]["per_right"] = {
        "erasure": {
            "url": "https://partage.example/compte",
            "details": {"fr": "depuis votre espace personnel", "en": "from your personal space"},
        }
    }
    return notice


def test_the_structures_real_notices_have_reach_both_languages(tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = build(write_content(tmp_path / "content", {"partage": structured_notice()}), out)
    assert result.ok and result.problems == [], result.problems
    fr, en = (html.unescape(page(out, "partage", lang)) for lang in ("fr", "en"))
    assert "Partage Imagerie</a>, published by Clinique Exemple" in en
    assert "The joint controllers are: Clinique Exemple, the controller described below, GIE Exemple." in en
    assert "The joint controllers, who decide together why and how your data is processed, are Clinique Exemple" in en
    assert "The care structure treating you; its details are on its own website.<br>Its share: Informing patients" in en
    assert "Les responsables conjoints du traitement sont\u00a0: Clinique Exemple" in fr
    assert "SIREN\u00a0: 123 456 789" in fr and 'href="mailto:droits@gie.example"' in en
    assert 'href="tel:+33607080910"' in en
    assert (
        "You may exercise your rights with any of the joint controllers, in particular: the controller described "
        "below, GIE Exemple." in en
    )
    assert (
        "B 987 654 321 (RCS Paris)" in en
        and "2 rue du Serveur" in en
        and "Processor of: Clinique Exemple, GIE Exemple" in en
    )
    assert "The controller, who decides" not in en
    assert (
        "Task in the public interest — for public hospitals" in en
        and "Legitimate interests — for private clinics" in en
    )
    assert "then archived for 5 years" in en and "After a request for erasure, deleted within 30 days at most" in en
    assert "puis archivées pendant 5\u00a0ans" in fr
    assert 'Right to erasure: <a href="https://partage.example/compte">' in en
    assert "We do not sell your data." in en and "Nous ne vendons pas vos données." in fr


def test_nothing_is_said_by_default_that_the_source_or_its_law_does_not_say(tmp_path: Path) -> None:
    consent = minimal_notice(
        cookies={
            "categories": [
                {
                    "id": "audience_measurement",
                    "provider": "first",
                    "max_lifetime": "13 mois",
                    "purpose": {"fr": "Mesurer", "en": "Measuring"},
                }
            ],
            "widget": False,
        }
    )
    consent["processing"][0]["legal_basis"] = "consent"
    consent["rights"]["offered"] += ["withdraw_consent", "portability"]
    moroccan = minimal_notice(
        jurisdiction={
            "laws": ["ma-09-08"],
            "authority": "cndp",
            "formalities": [{"kind": "declaration", "number": "D-1"}],
        }
    )
    moroccan["rights"]["offered"] = ["access", "rectification", "objection"]
    moroccan["processing"][0].update(legal_basis="consent", special_condition="explicit_consent")
    moroccan["processing"][0]["retention"] = {"duration": "1 year"}
    out = tmp_path / "public"
    result = build(write_content(tmp_path / "content", {"optin": consent, "rabat": moroccan}), out)
    assert result.ok, [p.render("en") for p in result.problems]
    gdpr, ma = html.unescape(page(out, "optin", "en")), html.unescape(page(out, "rabat", "en"))
    assert "You agreed to it. You may withdraw your consent at any time." in gdpr
    assert "You agreed to it." in ma and "withdraw" not in ma  # Law 09-08 grants no such right
    assert "Your choice is kept for" not in gdpr  # no widget keeps a choice here
    assert "1 year</td>" in ma and "then deleted" not in ma  # the end of the period is not stated
    essential = html.unescape(page(out, "rabat", "fr"))
    assert "Mémorise que vous avez vu l'information sur les cookies" in essential


def test_a_draft_is_marked_in_the_list_of_sites_and_left_out_of_the_sitemap(example_site: Path) -> None:
    index = (example_site / "index.html").read_text(encoding="utf-8")
    sitemap = (example_site / "sitemap.xml").read_text(encoding="utf-8")
    line = next(line for line in index.splitlines() if "Genomnis" in line)
    assert 'class="tag">Draft</strong>' in line
    assert "oiso-genomnis" not in sitemap and "ihu-imagerie" in sitemap
