"""Publishing the widget: its two files with a content hash in their names,
the snippet that embeds them, and what the notice pages need to show the
cookie settings (the plain HTML form that works without JavaScript).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rcssmin
import rjsmin

from .. import i18n
from ..content import Site
from ..model import Cookie
from ..publish import Writer, hashed_name
from ..render import Page, Renderer
from ..urls import SiteUrls, relative
from .banner import WORDING, notice_link
from .inventory import (
    CONSENT_COOKIE_PURPOSE,
    NOTICE_SEEN_PURPOSE,
    ConsentInventory,
    consent_cookie_declaration,
    consent_inventory,
)

WIDGET_DIR = Path(__file__).resolve().parents[2] / "widget"
# What every page loads: the script and its stylesheet.
SOURCES = ("consent.js", "consent.css")
# Loaded only where needed: by consent.js on a page with a blocked frame or video, and by the page itself before
# the Google tags on a site that maps Google Consent Mode.
PARTS = ("consent-embeds.js",)
CONSENT_MODE = "consent-mode.js"
# The budget: script and stylesheet together, gzipped.
GZIP_BUDGET = 5120
ENDPOINT = "/consent"
EMBED_PAGE = "consent-widget.html"
# Where consent.js names its parts; the build writes their hashed names and integrity there.
_PARTS_LINE = re.compile(rb"var PARTS\s*=\s*\{[^\n;]*\};")


@dataclass(frozen=True)
class WidgetAssets:
    script: str  # relative to the output root, e.g. assets/consent.3f2a9c1d0b.js
    stylesheet: str
    consent_mode: str = ""
    # Subresource Integrity of each hashed file, by its path (for the teams that pin a release).
    integrity: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def stable(path: str) -> str:
        """The address that never changes (assets/consent.js), served with short caching and revalidation."""
        return re.sub(r"\.[0-9a-f]{10}(\.[a-z]+)$", r"\1", path)


def integrity(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


def minified(source: str, body: bytes) -> bytes:
    """A file as published: comments and indentation left out (widget/ keeps the readable source)."""
    if source.endswith(".css"):
        return rcssmin.cssmin(body)  # type: ignore[no-any-return]
    return rjsmin.jsmin(body, keep_bang_comments=False)  # type: ignore[no-any-return]


def published(widget_dir: Path = WIDGET_DIR) -> tuple[bytes, bytes]:
    """What every page loads, as published: the script (its parts named) and the stylesheet."""
    script = _named_parts(minified("consent.js", (widget_dir / "consent.js").read_bytes()), widget_dir)[0]
    return script, minified("consent.css", (widget_dir / "consent.css").read_bytes())


def gzipped_size(widget_dir: Path = WIDGET_DIR) -> int:
    return sum(len(gzip.compress(body, compresslevel=9)) for body in published(widget_dir))


def _named_parts(script: bytes, widget_dir: Path) -> tuple[bytes, dict[str, tuple[str, bytes]]]:
    """consent.js with the hashed name and integrity of each part, and those parts by published path."""
    parts: dict[str, tuple[str, bytes]] = {}
    named: dict[str, list[str]] = {}
    for source in PARTS:
        body = minified(source, (widget_dir / source).read_bytes())
        stem = source.removesuffix(".js")
        name = hashed_name(stem, ".js", body)
        parts[f"assets/{name}"] = (integrity(body), body)
        named[stem.removeprefix("consent-")] = [name, integrity(body)]
    line = b"var PARTS=" + json.dumps(named, separators=(",", ":")).encode() + b";"
    if not _PARTS_LINE.search(script):
        raise ValueError("widget/consent.js no longer names its parts on one line: var PARTS = {…};")
    return _PARTS_LINE.sub(lambda _: line, script, count=1), parts


def publish_widget(writer: Writer, widget_dir: Path = WIDGET_DIR) -> WidgetAssets:
    """Each file under a hashed name (cached for good) and under its stable name (revalidated)."""
    script, stylesheet = published(widget_dir)
    parts = _named_parts(b"var PARTS = {};", widget_dir)[1]
    consent_mode = minified(CONSENT_MODE, (widget_dir / CONSENT_MODE).read_bytes())
    assets = WidgetAssets(
        f"assets/{hashed_name('consent', '.js', script)}",
        f"assets/{hashed_name('consent', '.css', stylesheet)}",
        f"assets/{hashed_name('consent-mode', '.js', consent_mode)}",
    )
    for path, body in ((assets.script, script), (assets.stylesheet, stylesheet), (assets.consent_mode, consent_mode)):
        writer.write(path, body)
        writer.write(WidgetAssets.stable(path), body)
        assets.integrity[path] = integrity(body)
    for path, (digest, body) in parts.items():
        writer.write(path, body)
        assets.integrity[path] = digest
    return assets


def embed_snippet(assets: WidgetAssets, site: Site, pinned: bool = False) -> str:
    """What the organization pastes into every page: absolute paths, as the server shares its origin. The stable
    addresses by default (never pasted again); ``pinned``: one release's files, with Subresource Integrity."""

    def address(path: str) -> str:
        if not pinned:
            return f'"/{WidgetAssets.stable(path)}"'
        return f'"/{path}" integrity="{assets.integrity[path]}"'

    lines = []
    if site.notice.cookies.google_consent_mode:  # before any Google tag, neither deferred nor async
        lines.append(f"<script src={address(assets.consent_mode)}></script>")
    lines.append(f'<link rel="stylesheet" href={address(assets.stylesheet)}>')
    lines.append(f'<script src={address(assets.script)} data-site="{site.id}" defer></script>')
    return "\n".join(lines)


def settings_link_snippet(site: Site, language: str) -> str:
    """A link for the page footer: opens the banner, or the notice's form when JavaScript is off."""
    label = i18n.gettext(language, WORDING["settings"])
    return f'<a href="{notice_link(site, language, "cookie-settings")}" data-consent-open>{label}</a>'


def _own_cookie(site: Site, inventory: ConsentInventory) -> Cookie:
    said = CONSENT_COOKIE_PURPOSE if inventory.optional else NOTICE_SEEN_PURPOSE
    purpose = {lang: i18n.gettext(lang, said) for lang in site.languages}
    return consent_cookie_declaration(inventory, purpose)


def notice_context(
    site: Site, language: str, page_path: str, assets: WidgetAssets, inventory: ConsentInventory | None = None
) -> dict[str, Any]:
    """What templates/notice.html and templates/consent/*.html need from this feature (``inventory``: the site's,
    when the caller already has it: it is the same for every page of the site)."""
    if not site.notice.cookies.widget:
        return {}  # no banner, no settings form, and no cookie of ours to list
    inventory = inventory or consent_inventory(site)
    return {
        "consent_widget": {
            "script": relative(page_path, assets.script),
            "stylesheet": relative(page_path, assets.stylesheet),
            "script_integrity": assets.integrity.get(assets.script, ""),
            "stylesheet_integrity": assets.integrity.get(assets.stylesheet, ""),
            "site": site.id,
        },
        "consent": {
            "action": ENDPOINT,
            "site": site.id,
            "return_path": notice_link(site, language, "cookie-settings"),
            "receipt": f"{ENDPOINT}/receipt?site={site.id}&lang={language}",
            "categories": [c.category for c in inventory.optional],
            "embed_page": relative(page_path, SiteUrls(site.id).page_path(language, EMBED_PAGE)),
        },
        "extra_cookies": [_own_cookie(site, inventory)],
    }


def embed_page(
    renderer: Renderer,
    site: Site,
    language: str,
    urls: SiteUrls,
    stylesheet: str,
    assets: WidgetAssets,
    inventory: ConsentInventory | None = None,
) -> Page:
    """A page of the built site that shows the web team the snippet to paste."""
    path = urls.page_path(language, EMBED_PAGE)
    context = notice_context(site, language, path, assets, inventory)
    body = renderer.render(
        language,
        "consent/embed.html",
        **context,
        n=site.notice,
        page_path=path,
        stylesheet=relative(path, stylesheet),
        snippet=embed_snippet(assets, site),
        pinned_snippet=embed_snippet(assets, site, pinned=True),
        settings_link=settings_link_snippet(site, language),
        notice_href=relative(path, urls.page_path(language)),
    )
    return Page(path, body)
