"""Publishing the widget: its two files with a content hash in their names,
the snippet that embeds them, and what the notice pages need to show the
cookie settings (the plain HTML form that works without JavaScript).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
SOURCES = ("consent.js", "consent.css")
# The budget: script and stylesheet together, gzipped.
GZIP_BUDGET = 4096
ENDPOINT = "/consent"
EMBED_PAGE = "consent-widget.html"


@dataclass(frozen=True)
class WidgetAssets:
    script: str  # relative to the output root, e.g. assets/consent.3f2a9c1d0b.js
    stylesheet: str


def gzipped_size(widget_dir: Path = WIDGET_DIR) -> int:
    return sum(len(gzip.compress((widget_dir / name).read_bytes(), compresslevel=9)) for name in SOURCES)


def publish_widget(writer: Writer, widget_dir: Path = WIDGET_DIR) -> WidgetAssets:
    script = (widget_dir / "consent.js").read_bytes()
    stylesheet = (widget_dir / "consent.css").read_bytes()
    assets = WidgetAssets(
        f"assets/{hashed_name('consent', '.js', script)}", f"assets/{hashed_name('consent', '.css', stylesheet)}"
    )
    writer.write(assets.script, script)
    writer.write(assets.stylesheet, stylesheet)
    return assets


def embed_snippet(assets: WidgetAssets, site_id: str) -> str:
    """What the organization pastes into every page: absolute paths, as the server shares its origin."""
    return (
        f'<link rel="stylesheet" href="/{assets.stylesheet}">\n'
        f'<script src="/{assets.script}" data-site="{site_id}" defer></script>'
    )


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
            "site": site.id,
        },
        "consent": {
            "action": ENDPOINT,
            "site": site.id,
            "return_path": notice_link(site, language, "cookie-settings"),
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
        snippet=embed_snippet(assets, site.id),
        settings_link=settings_link_snippet(site, language),
        notice_href=relative(path, urls.page_path(language)),
    )
    return Page(path, body)
