"""The notice as JSON, in one language, for machines (and for the widget)."""

from __future__ import annotations

import json
from typing import Any

from .content import Site
from .i18n import gettext
from .render import Jurisdiction
from .codes import all_codes


def _resolve(value: Any, language: str, languages: set[str]) -> Any:
    if isinstance(value, dict):
        if value and set(value) <= languages and all(isinstance(v, str) for v in value.values()):
            return value.get(language) or next(iter(value.values()))
        return {k: _resolve(v, language, languages) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, language, languages) for v in value]
    return value


def notice_json(site: Site, language: str, law: Jurisdiction) -> str:
    data = site.notice.model_dump(mode="json", exclude_none=True)
    languages = set(site.notice.languages)
    document = {
        "site": site.id,
        "language": language,
        "notice": _resolve(data, language, languages),
        "laws": [_resolve(law_.model_dump(mode="json", exclude_none=True), language, languages) for law_ in law.laws],
        "authority": _resolve(law.authority.model_dump(mode="json", exclude_none=True), language, languages)
        if law.authority
        else None,
        # The wording of every code, so a reader needs no catalog of its own.
        "labels": {f"{type(code).__name__}.{code.value}": gettext(language, text) for code, text in all_codes()},
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
