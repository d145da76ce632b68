"""The settings said to people, from their one declaration: ``server.py --help-settings`` in the operator's
language, and the README's settings table (``.venv/bin/python -m privacy.settings_help`` writes it; a test holds it)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from .codes import N_
from .i18n import gettext
from .settings import SETTINGS

README = Path(__file__).resolve().parent.parent / "README.md"
TABLE_START = (
    "<!-- settings: made by `.venv/bin/python -m privacy.settings_help` from privacy/settings.py; edit them there -->"
)
TABLE_END = "<!-- end of settings -->"


def settings_text(language: str, width: int = 100) -> str:
    """Each setting, its default and its meaning, for a terminal."""
    default = gettext(language, N_("default: %(value)s"))
    secret_word = gettext(language, N_("secret: from the environment or a secret store, never a file in git"))
    lines = [gettext(language, N_("Settings (environment variables) of server.py and its commands:")), ""]
    for setting in SETTINGS:
        lines.append(setting.name + (f"  ({default % {'value': setting.default}})" if setting.default else ""))
        meaning = gettext(language, setting.help) + (f" ({secret_word})" if setting.secret else "")
        lines += textwrap.wrap(meaning, width, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines) + "\n"


def readme_table() -> str:
    """The README's table, in the source language (the README is English)."""
    rows = ["| setting | default | meaning |", "| --- | --- | --- |"]
    for setting in SETTINGS:
        default = f"`{setting.default}`" if setting.default else "—"
        meaning = setting.help.replace("|", r"\|")
        rows.append(f"| `{setting.name}` | {default} | {meaning} |")
    return "\n".join(rows)


def readme_with_table(readme: str) -> str:
    """``readme`` with the table between its two marks replaced by the one the declaration makes."""
    start, end = readme.index(TABLE_START) + len(TABLE_START), readme.index(TABLE_END)
    return readme[:start] + "\n\n" + readme_table() + "\n\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the settings table of README.md from privacy/settings.py.")
    parser.add_argument("--check", action="store_true", help="only say whether README.md is up to date")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    wanted = readme_with_table(current)
    if args.check:
        if wanted != current:
            print(
                "README.md: the settings table is out of date: run .venv/bin/python -m privacy.settings_help",
                file=sys.stderr,
            )
        return int(wanted != current)
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
