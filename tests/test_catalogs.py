"""Catalogs: complete in every shipped language, and the build refuses one that is not."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from privacy import i18n
from privacy.pipeline import build
from tests.factories import minimal_notice, write_content

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def test_every_shipped_catalog_is_complete() -> None:
    languages = i18n.available_languages()
    assert {"en", "fr"} <= set(languages)
    assert i18n.check_catalogs(languages) == []


@pytest.mark.parametrize(
    "po", sorted(i18n.LOCALES_DIR.glob("*/LC_MESSAGES/*.po")), ids=lambda p: f"{p.parts[-3]}/{p.name}"
)
def test_translations_keep_every_placeholder(po: Path) -> None:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    wrong = [
        m.id for m in catalog if m.id and set(PLACEHOLDER.findall(str(m.id))) != set(PLACEHOLDER.findall(str(m.string)))
    ]
    assert wrong == []


def test_every_domain_exists_in_every_language() -> None:
    domains = {
        lang: sorted(p.name for p in (i18n.LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po"))
        for lang in i18n.available_languages()
    }
    assert len({tuple(names) for names in domains.values()}) == 1, domains


def _copy_locales(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(i18n.LOCALES_DIR, target)
    return target


def _edit_first_entry(po: Path, fuzzy: bool = False, empty: bool = False) -> str:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    message = next(m for m in catalog if m.id)
    if fuzzy:
        message.flags.add("fuzzy")
    if empty:
        message.string = ""
    with po.open("wb") as handle:
        write_po(handle, catalog)
    return str(message.id)


def test_a_fuzzy_entry_is_a_problem(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    msgid = _edit_first_entry(locales / "fr" / "LC_MESSAGES" / "messages.po", fuzzy=True)
    problems = i18n.check_catalogs(["fr"], locales)
    assert [(p.kind, p.message_id) for p in problems] == [("fuzzy", msgid)]


def test_an_untranslated_entry_is_a_problem(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    msgid = _edit_first_entry(locales / "fr" / "LC_MESSAGES" / "messages.po", empty=True)
    problems = i18n.check_catalogs(["fr"], locales)
    assert [(p.kind, p.message_id, p.line is not None) for p in problems] == [("untranslated", msgid, True)]


def test_a_language_without_catalog_fails_the_build(tmp_path: Path) -> None:
    # The other texts have no German: shown in another language, marked (the catalog is what this test is about).
    notice = minimal_notice(languages=["fr", "en", "de"], language_fallback=True)
    for category in notice["data_categories"]:
        category["name"]["de"] = category["name"]["en"]
    out = tmp_path / "public"
    result = build(write_content(tmp_path / "content", {"clinique": notice}), out)
    assert not result.ok
    messages = [p.text("en") for p in result.problems if p.severity == "error"]
    assert messages == ["no catalog for the language “de”: add locales/de/LC_MESSAGES/messages.po (see the README)"]
    assert not out.exists()


def test_the_french_page_is_french_not_the_source_language(tmp_path: Path) -> None:
    out = tmp_path / "public"
    assert build(write_content(tmp_path / "content", {"clinique": minimal_notice()}), out).ok
    html = (out / "clinique" / "fr" / "index.html").read_text(encoding="utf-8")
    assert "Vos droits" in html and "Your rights" not in html


@pytest.mark.parametrize("language", i18n.available_languages())
def test_a_message_shared_by_two_domains_reads_the_same_in_both(language: str) -> None:
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in sorted((i18n.LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and isinstance(message.id, str):
                    first = seen.setdefault(message.id, (po.name, str(message.string)))
                    if first[1] != message.string:
                        clashes.append((message.id, first[0], po.name))
    assert clashes == []


# French typography: a no-break space (U+00A0) before : ; ! ? and inside « », never a plain one.
_PLAIN_SPACE_BEFORE = re.compile(r" [:;!?](?=\s|$)| »|« ")


# ... and the no-break space itself, not none: outside what is quoted as typed (YAML, JSON, a command, an address).
_NO_SPACE_BEFORE = re.compile(r"(?<![\s\u00a0\u202f])[:;!?](?=\s|$)|«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»")
_AS_TYPED = re.compile(r"«\u00a0.*?\u00a0»|\{.*?\}|\"[^\"]*\"|`[^`]*`|https?://\S+")


@pytest.mark.parametrize("po", sorted(i18n.LOCALES_DIR.glob("fr/LC_MESSAGES/*.po")), ids=lambda p: p.name)
def test_french_entries_follow_french_typography(po: Path) -> None:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    wrong = [m.id for m in catalog if m.id and _PLAIN_SPACE_BEFORE.search(str(m.string))]
    assert wrong == []
    missing = [m.id for m in catalog if m.id and _NO_SPACE_BEFORE.search(_AS_TYPED.sub("", str(m.string)))]
    assert missing == []


def test_every_sentence_naming_an_authority_reads_well_with_each_of_them() -> None:
    from privacy.content import load_registry
    from tests.factories import EXAMPLE_CONTENT

    registry, problems = load_registry(EXAMPLE_CONTENT)
    assert registry is not None and problems == []
    sentences = {}
    for lang in ("fr", "en"):
        with (i18n.LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            sentences[lang] = [m for m in read_po(handle) if m.id and "%(authority)s" in str(m.id)]
    assert sentences["fr"] and sentences["en"]
    for authority in registry.authorities.values():
        names = {"fr": authority.name["fr"], "en": authority.name["en"]} if isinstance(authority.name, dict) else {}
        assert re.match(r"^(le |la |l'|les )", names["fr"]), names["fr"]  # "auprès de la Commission…"
        assert names["en"].startswith("the "), names["en"]
        for lang, messages in sentences.items():
            for message in messages:
                text = str(message.string) % {"authority": names[lang]}
                assert not re.search(r"\b(de le|de les|à le|à les)\b", text), text
