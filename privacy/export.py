"""The notice as JSON, in one language, for machines (and for the widget)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from .codes import all_codes
from .content import Site
from .i18n import gettext
from .render import Jurisdiction


def _resolve(value: Any, language: str, languages: frozenset[str]) -> Any:
    if isinstance(value, dict):
        if value and value.keys() <= languages and all(isinstance(v, str) for v in value.values()):
            return value.get(language) or next(iter(value.values()))
        return {k: _resolve(v, language, languages) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, language, languages) for v in value]
    return value


@cache
def _labels(language: str) -> dict[str, str]:
    """The wording of every code, so a reader needs no catalog of its own."""
    return {f"{type(code).__name__}.{code.value}": gettext(language, text) for code, text in all_codes()}


def notice_exports(site: Site, law: Jurisdiction) -> dict[str, str]:
    """One JSON document per language of the site; the notice is dumped once."""
    data = site.notice.model_dump(mode="json", exclude_none=True)
    laws = [law_.model_dump(mode="json", exclude_none=True) for law_ in law.laws]
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
            "labels": _labels(language),
        }
        exports[language] = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    return exports
