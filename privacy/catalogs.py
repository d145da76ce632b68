"""Refresh the gettext catalogs from the source: ``.venv/bin/python -m privacy.catalogs`` (``make catalogs``).

It runs ``pybabel extract`` and ``pybabel update`` for each domain, then fills
the source language (English) with its own message ids, so that only real
translations are left for translators.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from .i18n import LOCALES_DIR, SOURCE_LANGUAGE, available_languages

ROOT = Path(__file__).resolve().parent.parent  # where the sources to extract from live
# Each domain is one .po file per language; its sources are listed explicitly
# so that two features never write into the same catalog.
DOMAINS: dict[str, list[str]] = {
    "messages": [
        "build.py",
        "server.py",
        "privacy/*.py",
        "privacy/sqlite/*.py",
        "privacy/postgres/*.py",
        "templates/*.html",
        "templates/register/*.html",
        "templates/versions/*.html",
    ],
    "consent": ["privacy/consent/*.py", "templates/consent/*.html"],
    "rights": ["privacy/rights/*.py", "templates/rights/*.html"],
}


def _sources(patterns: list[str]) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for pattern in patterns for p in ROOT.glob(pattern) if p.is_file())


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def _fill_source_language(path: Path) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=SOURCE_LANGUAGE)
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)


def refresh(languages: list[str] | None = None, domains: list[str] | None = None) -> None:
    languages = languages or available_languages() or [SOURCE_LANGUAGE, "fr"]
    LOCALES_DIR.mkdir(exist_ok=True)
    for domain, patterns in DOMAINS.items():
        if domains and domain not in domains:
            continue
        if not _sources(patterns):
            continue
        template = LOCALES_DIR / f"{domain}.pot"
        _pybabel(
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "--project",
            "privacy-notices",
            "-o",
            str(template),
            *_sources(patterns),
        )
        for language in languages:
            po = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                _pybabel(
                    "update",
                    "-D",
                    domain,
                    "-i",
                    str(template),
                    "-d",
                    str(LOCALES_DIR),
                    "-l",
                    language,
                    "--no-fuzzy-matching",
                    "--ignore-obsolete",
                )
            else:
                _pybabel("init", "-D", domain, "-i", str(template), "-d", str(LOCALES_DIR), "-l", language)
            if language == SOURCE_LANGUAGE:
                _fill_source_language(po)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("languages", nargs="*", help="languages to refresh (default: every one under locales/)")
    parser.add_argument("--domain", action="append", choices=sorted(DOMAINS), help="only this domain (repeatable)")
    args = parser.parse_args(argv)
    refresh(args.languages or None, args.domain)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
