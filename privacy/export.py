"""The notice as JSON, in one language, for machines (and for the widget)."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic_core import to_json

from .codes import RecordFact, all_codes
from .content import Site
from .i18n import gettext
from .law import Jurisdiction


def _resolve(value: Any, language: str, languages: frozenset[str]) -> Any:
    """``value`` (as dumped by pydantic: dicts, lists, scalars) with each text given per language in ``language``."""
    kind = type(value)
    if kind is dict:
        if value and value.keys() <= languages and all(type(v) is str for v in value.values()):
            return value.get(language) or next(iter(value.values()))
        return {k: _resolve(v, language, languages) for k, v in value.items()}
    if kind is list:
        return [_resolve(v, language, languages) for v in value]
    return value


@cache
def _labels(language: str) -> dict[str, str]:
    """The wording of every code, so a reader needs no catalog of its own."""
    return {
        f"{type(code).__name__}.{code.value}": gettext(language, text)
        for code, text in all_codes()
        if not isinstance(code, RecordFact)  # the record's columns: not the notice's
    }


@cache
def _labels_json(language: str) -> str:
    # The same in every site's export: encoded once per language.
    return _json(_labels(language))


def _json(value: Any) -> str:
    # pydantic-core's encoder writes what json.dumps(ensure_ascii=False, separators=(",", ":")) writes for these
    # documents (strings, numbers, lists, maps) in about a third of the time.
    return to_json(value).decode()


def notice_exports(site: Site, law: Jurisdiction) -> dict[str, str]:
    """One JSON document per language of the site; the notice is dumped once."""
    # How the build publishes a missing text is no fact of the notice.
    data = site.notice.model_dump(mode="json", exclude_none=True, exclude={"language_fallback"})
    # The record of processing activities is the DPO's, not the reader's: its columns are left out.
    laws = [law_.model_dump(mode="json", exclude_none=True, exclude={"record"}) for law_ in law.laws]
    authority = law.authority.model_dump(mode="json", exclude_none=True) if law.authority else None
    languages = frozenset(site.notice.languages)
    exports = {}
    for language in site.notice.languages:
        document = {
            "site": site.id,
            "language": language,
            "notice": _resolve(data, language, languages),
            "laws": _resolve(laws, language, languages),
            "authority": _resolve(authority, language, languages),
        }
        exports[language] = f'{_json(document)[:-1]},"labels":{_labels_json(language)}}}\n'
    return exports
