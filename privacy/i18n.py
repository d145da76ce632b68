"""The gettext catalogs: loaded once per run, checked, compiled in memory.

A missing or incomplete catalog would silently show the source language to a
French reader; the build refuses that instead (``CatalogProblem``).
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import cache, wraps
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from . import settings

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

# Read once, from the process's environment: every catalog of a build or a server run comes from one folder.
LOCALES_DIR = settings.LOCALES_DIR.read(os.environ) or settings.PRODUCT_LOCALES_DIR
SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class CatalogProblem:
    language: str
    file: Path | None
    line: int | None
    message_id: str
    kind: str  # "missing" | "untranslated" | "fuzzy" | "unreadable"


@cache
def available_languages(locales_dir: Path = LOCALES_DIR) -> list[str]:
    return sorted(p.name for p in locales_dir.iterdir() if (p / "LC_MESSAGES").is_dir()) if locales_dir.is_dir() else []


def _catalog_files(language: str, locales_dir: Path) -> list[Path]:
    return sorted((locales_dir / language / "LC_MESSAGES").glob("*.po"))


def _read(path: Path, language: str) -> Catalog:
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def check_catalogs(languages: list[str], locales_dir: Path = LOCALES_DIR) -> list[CatalogProblem]:
    problems: list[CatalogProblem] = []
    for language in languages:
        files = _catalog_files(language, locales_dir)
        if not files:
            problems.append(CatalogProblem(language, None, None, "", "missing"))
        for path in files:
            try:
                catalog = _read(path, language)
            except Exception as error:  # babel raises assorted errors on a broken .po
                problems.append(CatalogProblem(language, path, None, str(error), "unreadable"))
                continue
            for message in catalog:
                if not message.id:
                    continue
                msgid = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
                line = message.lineno or None
                if message.fuzzy:
                    problems.append(CatalogProblem(language, path, line, msgid, "fuzzy"))
                elif not all(message.string) if isinstance(message.string, tuple) else not message.string:
                    problems.append(CatalogProblem(language, path, line, msgid, "untranslated"))
    return problems


def _compiled(po: Path, language: str) -> bytes:
    """The .mo beside a .po, compiled again whenever the .po is newer (it is not committed)."""
    mo = po.with_suffix(".mo")
    try:
        if mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
            return mo.read_bytes()
    except OSError:
        pass
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, _read(po, language))
    try:
        temporary = mo.with_name(f".{mo.name}.{os.getpid()}")
        temporary.write_bytes(buffer.getvalue())
        os.replace(temporary, mo)
    except OSError:
        pass  # a read-only checkout still works, compiling in memory each run
    return buffer.getvalue()


@cache
def translations(language: str, locales_dir: Path = LOCALES_DIR) -> NullTranslations:
    """Every domain's catalog of one language, chained into one (the standard library's gettext:
    reading compiled catalogs needs no Babel, which keeps "nothing changed" quick)."""
    merged: NullTranslations = NullTranslations()
    for path in reversed(_catalog_files(language, locales_dir)):
        domain = GNUTranslations(io.BytesIO(_compiled(path, language)))
        domain.add_fallback(merged)
        merged = domain
    return _Remembering(merged)


class _Remembering(NullTranslations):
    """A language's chained catalogs, each answer kept: a page asks for the same few hundred messages
    (labels, headings) again and again, and a miss walks the whole chain of domains."""

    MAX_KEPT = 20_000  # messages are ours, but a bound costs nothing

    def __init__(self, catalogs: NullTranslations) -> None:
        super().__init__()
        self.add_fallback(catalogs)
        self._catalogs = catalogs
        self._said: dict[str, str] = {}

    def gettext(self, message: str) -> str:
        said = self._said.get(message)
        if said is None:
            said = self._catalogs.gettext(message)
            if len(self._said) < self.MAX_KEPT:
                self._said[message] = said
        return said


def supported_language(requested: str | None) -> str:
    """``requested`` (fr, fr-FR, fr_FR.UTF-8…) when a catalog speaks it, else the source language."""
    code = (requested or "").lower()[:2]
    return code if code in available_languages() else SOURCE_LANGUAGE


def operator_language() -> str:
    """The language of whoever runs a command, from the locale environment."""
    return supported_language(os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG"))


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


class Refusal(Protocol):
    """An error that says why something cannot go on (``SettingsError``, ``StorageRefused``): a catalog id and
    its parameters, put into words here, so that the settings and the stores, which the catalogs' own folder
    depends on, need no catalogs."""

    message: str
    params: dict[str, str]


def say(language: str, refusal: Refusal) -> str:
    """``refusal`` in the words of ``language``."""
    text = gettext(language, refusal.message)
    return text % refusal.params if refusal.params else text


_PERIOD = re.compile(r"^\s*(\d+)\s+(minute|hour|day|week|month|year)s?\s*$")


# CLDR's answers (durations, dates, language and country names), kept between builds: loading a locale's data
# from Babel took a tenth of a one-site rebuild, for a handful of strings that only change with Babel itself.
_answers: dict[str, str] = {}
_learnt: dict[str, str] = {}
ANSWERS_FILE = "cldr-answers.json"
F = TypeVar("F", bound=Callable[..., str])


def _remembered(function: F) -> F:
    name = function.__name__

    @wraps(function)
    def answer(*args: object) -> str:
        key = "\x1f".join([name, *map(str, args)])
        found = _answers.get(key)
        if found is None:
            found = _answers[key] = _learnt[key] = function(*args)
        return found

    return answer  # type: ignore[return-value]


def _babel_stamp() -> str:
    """Which Babel gave the answers (without importing it)."""
    from .installed import install_stamp

    return install_stamp("babel")


def load_answers(folder: Path) -> None:
    """What an earlier build learnt from Babel, when the same Babel is installed (else nothing)."""
    try:
        saved = json.loads((folder / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(saved, dict) and saved.get("babel") == _babel_stamp() and isinstance(saved.get("answers"), dict):
        _answers.update({k: v for k, v in saved["answers"].items() if isinstance(v, str)})


def take_learnt() -> dict[str, str]:
    """The answers computed since the last call (a worker process hands them back with its sites)."""
    learnt = dict(_learnt)
    _learnt.clear()
    return learnt


def learn(answers: dict[str, str]) -> None:
    _answers.update(answers)
    _learnt.update(answers)


def save_answers(folder: Path) -> None:
    """Adds what this run learnt to the folder's answers (written whole, then moved into place)."""
    if not _learnt:
        return
    target = folder / ANSWERS_FILE
    staging = target.with_name(f".{ANSWERS_FILE}.{os.getpid()}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging.write_text(
            json.dumps({"babel": _babel_stamp(), "answers": _answers}, ensure_ascii=False), encoding="utf-8"
        )
        os.replace(staging, target)
    except OSError:  # a cache that cannot be written only makes the next build slower
        with suppress(OSError):
            staging.unlink(missing_ok=True)
        return
    _learnt.clear()


@_remembered
def format_duration(value: str, language: str) -> str:
    """'6 months' → '6 mois' in French, using CLDR's unit names."""
    match = _PERIOD.match(value)
    if not match:
        return value
    from babel.units import format_unit

    amount, unit = int(match.group(1)), match.group(2)
    said = format_unit(amount, f"duration-{unit}", length="long", locale=language)
    # CLDR's French joins some units with a no-break space (« 2 mois ») and others with a plain one (« 5 ans »):
    # French keeps a number with its unit on one line, so every one gets the no-break space.
    return re.sub(r"(?<=\d) (?=\D)", "\u00a0", said) if base_language(language) == "fr" else said


# One of a unit, in a sentence, as a word: “within one month”, « dans un délai d'un mois ».
_ONE = {
    "en": {
        "minute": "one minute",
        "hour": "one hour",
        "day": "one day",
        "week": "one week",
        "month": "one month",
        "year": "one year",
    },
    "fr": {
        "minute": "une minute",
        "hour": "une heure",
        "day": "un jour",
        "week": "une semaine",
        "month": "un mois",
        "year": "un an",
    },
}


def base_language(language: str) -> str:
    return language.replace("-", "_").split("_")[0]


def format_period(value: str, language: str) -> str:
    """A duration as a sentence says it: one of a unit in words where the language has them, else as a table does."""
    match = _PERIOD.match(value)
    if match and int(match.group(1)) == 1 and base_language(language) in _ONE:
        return _ONE[base_language(language)][match.group(2)]
    return format_duration(value, language)


def format_choices(items: list[str], language: str) -> str:
    """``items`` as the language offers a choice among them: “a, b or c”, « a, b ou c »."""
    from babel.lists import format_list

    return str(format_list(items, style="or", locale=base_language(language)))


@_remembered
def format_day(value: date, language: str) -> str:
    from babel.dates import format_date

    text = format_date(value, format="long", locale=language)
    # French writes the first of the month as an ordinal: « 1er janvier », never « 1 janvier ».
    return re.sub(r"^1(?=\s)", "1er", text) if base_language(language) == "fr" and value.day == 1 else text


@_remembered
def language_name(code: str, in_language: str | None = None) -> str:
    from babel import Locale

    name = Locale.parse(code).get_display_name(in_language or code) or code
    return name[:1].upper() + name[1:]


@_remembered
def country_name(code: str, language: str) -> str:
    from babel import Locale

    return str(Locale.parse(language).territories.get(code, code))
