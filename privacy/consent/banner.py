"""What the banner says, per site and language, and the hash that proves it.

The script shows exactly this; the proof-of-consent log stores its hash, so
the organization can show which wording a person answered.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import i18n
from ..codes import N_, CookieCategory
from ..content import Site
from ..model import Cookie
from ..text import pick, render_inline
from .inventory import consent_inventory

WORDING = {
    "title": N_("Cookies on this site"),
    "essential": N_("This site uses only cookies that are strictly necessary for it to work. They need no consent."),
    "optin": N_(
        "With your consent, we would also use optional cookies for the purposes listed under “Customize”. "
        "Refusing has no effect on your use of the site, and you can change your choice at any time "
        "with the “Cookie settings” link."
    ),
    "gpc": N_("Your browser sends a Global Privacy Control signal: we take it as a refusal of optional cookies."),
    "accept": N_("Accept all"),
    "reject": N_("Reject all"),
    "customize": N_("Customize"),
    "save": N_("Save my choices"),
    "ok": N_("OK"),
    "more": N_("More about cookies"),
    "settings": N_("Cookie settings"),
    "always": N_("Always on"),
    "cookies": N_("Cookies:"),
    "saved": N_("Your choice has been saved."),
    "failed": N_("Your choice could not be saved. Please try again."),
    # The placeholder of a blocked frame or video (widget/consent-embeds.js).
    "embed": N_("Embedded content"),
    "provider": N_("Provided by %(provider)s."),
    "needs": N_("It is not loaded until you allow the cookies of “%(category)s”."),
    "once": N_("Load this content once"),
    "allow": N_("Always allow “%(category)s”"),
    # The consent receipt, offered in the preferences once a choice is recorded.
    "receipt": N_("Your consent receipt:"),
    "receipt_text": N_("download as text"),
    "receipt_json": N_("download as JSON"),
}

_TAGS = re.compile(r"<[^>]+>")


def plain_text(value: Any, language: str, fallback: str) -> str:
    """Content text without its Markdown, for a script that only sets textContent."""
    return html.unescape(_TAGS.sub("", str(render_inline(pick(value, language, fallback)))))


def banner_language(site: Site, asked: str | None, spoken: list[str] | None = None) -> str:
    """The language of ``asked`` (a page's ``<html lang>``: fr, fr-CA, de_DE…) when the site declares it and a
    catalog speaks it, else the site's first language a catalog speaks: never English on a French site by default.
    ``spoken``: the languages the catalogs speak, when the caller knows them already."""
    spoken = [lang for lang in site.languages if lang in (spoken or i18n.available_languages())]
    code = (asked or "").strip().lower().replace("_", "-").split("-")[0]
    if code in spoken:
        return code
    return spoken[0] if spoken else i18n.SOURCE_LANGUAGE


def notice_link(site: Site, language: str, anchor: str = "cookies") -> str:
    """The notice's cookie section, on the same origin (see the deployment assumption in docs/consent.md)."""
    page_language = language if language in site.languages else site.languages[0]
    base = urlsplit(site.notice.base_url).path.rstrip("/") if site.notice.base_url else f"/{site.id}"
    return f"{base}/{page_language}/#{anchor}"


def _cookie(cookie: Cookie, language: str, fallback: str) -> dict[str, str]:
    duration = (
        i18n.gettext(language, "for the browser session")
        if cookie.duration == "session"
        else (i18n.format_duration(cookie.duration, language) if cookie.duration else "")
    )
    return {
        "name": cookie.name or "",
        "provider": plain_text(cookie.provider, language, fallback),
        "duration": duration,
        "purpose": plain_text(cookie.purpose, language, fallback),
    }


def _category(category: CookieCategory, cookies: tuple[Cookie, ...], language: str, fallback: str) -> dict[str, Any]:
    return {
        "id": category.value,
        "label": i18n.gettext(language, category.label),
        "purpose": i18n.gettext(language, category.explanation),
        "required": category is CookieCategory.strictly_necessary,
        "cookies": [_cookie(c, language, fallback) for c in cookies],
    }


def _banner(site: Site, language: str) -> tuple[dict[str, Any], str]:
    inventory = consent_inventory(site)
    fallback = site.languages[0]
    categories = []
    if inventory.optional:
        categories.append(
            _category(CookieCategory.strictly_necessary, inventory.strictly_necessary, language, fallback)
        )
        categories += [_category(c.category, c.cookies, language, fallback) for c in inventory.optional]
    shown = {
        "lang": language,
        "mode": inventory.mode,
        "revision": inventory.revision,
        "text": {key: i18n.gettext(language, message) for key, message in WORDING.items()},
        "categories": categories,
        "notice": notice_link(site, language),
    }
    consent_mode = site.notice.cookies.google_consent_mode
    if consent_mode:  # only for the sites that map it: without it, nothing of Google is touched
        shown["consent_mode"] = {signal: [c.value for c in needed] for signal, needed in consent_mode.items()}
    canonical = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return shown, hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Banner:
    shown: dict[str, Any]
    hash: str


def banner(site: Site, language: str) -> Banner:
    """Everything the script shows, in one language (``language`` already chosen by ``i18n.supported_language``)."""
    shown, digest = _banner(site, language)
    return Banner(shown, digest)
