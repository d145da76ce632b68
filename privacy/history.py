"""A notice's published versions as pages: each at its permanent address, what changed in each, and a feed.

``/<site>/<lang>/versions/``            every version, newest first, with what changed in each
``/<site>/<lang>/versions/<v>/``         the notice as version <v> said it
``/<site>/<lang>/versions/<v>/changes/`` what changed in <v> since the version before, significant first
``/<site>/<lang>/versions/feed.xml``     an Atom feed of the versions

The versions come from the archive the build keeps beside policy.yaml (privacy/versions.py).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import i18n
from .changes import KINDS, SECTIONS, Changes, compare
from .codes import N_, Code, CookieCategory, RecipientKind, Right
from .content import Site
from .law import Jurisdiction
from .model import Notice, Registry
from .render import Renderer, notice_page
from .source import SourceDocument, read_yaml
from .text import pick
from .urls import INDEX, SiteUrls, relative
from .versions import Version, archived

HISTORY = "versions/"
FEED = "versions/feed.xml"
HISTORY_TEMPLATE = "versions/history.html"
CHANGES_TEMPLATE = "versions/changes.html"
ATOM = "application/atom+xml"
FEED_TITLE = N_("Versions of %(title)s")
ENTRY_TITLE = N_("Version %(version)s")
# The sections whose changes name a code, worded through the catalogs.
CHANGE_CODES: dict[str, type[Code]] = {"recipients": RecipientKind, "cookies": CookieCategory, "rights": Right}
SIGNIFICANT_SUMMARY = N_("%(significant)d significant change(s), %(editorial)d editorial change(s)")


@dataclass(frozen=True)
class PublishedVersion:
    version: Version
    site: Site
    changes: Changes | None  # None for the first version: nothing before it


def version_name(version_id: str, name: str = INDEX) -> str:
    return f"versions/{version_id}/{name}"


def site_folder(site: Site) -> Path:
    return site.source.path.parent


def published_versions(site: Site) -> list[PublishedVersion]:
    """The site's archived versions that the notice format still reads, oldest first, each with its changes."""
    published: list[PublishedVersion] = []
    before: dict[str, Any] | None = None
    for version in archived(site_folder(site)):
        stat = version.file.stat()
        read = _archived_notice(version.file, stat.st_mtime_ns, stat.st_size)
        if read is None:
            continue  # a version the format has moved on from keeps its file, not its page
        document, notice = read
        data = notice.model_dump(mode="json", exclude_none=True)
        changes = compare(before, data) if before is not None else None
        published.append(PublishedVersion(version, Site(site.id, notice, document), changes))
        before = data
    return published


@lru_cache(maxsize=256)
def _archived_notice(path: Path, mtime_ns: int, size: int) -> tuple[SourceDocument, Notice] | None:
    # An archived version never changes once written, and each rebuild of its site reads it: read once.
    document = read_yaml(path)
    try:
        return document, Notice.model_validate(document.data)
    except ValueError:
        return None


def _described(value: Any, language: str) -> str:
    if isinstance(value, Code):
        return i18n.gettext(language, value.label)
    if isinstance(value, str):
        return i18n.gettext(language, value)
    return pick(value, language) if value else ""


def change_rows(changes: Changes, language: str, codes: dict[str, type[Code]] = CHANGE_CODES) -> list[dict[str, Any]]:
    """Each change as the page and the terminal say it: section, what, how, significant."""
    rows = []
    for change in changes.changes:
        subject = change.subject
        kind = codes.get(change.section)
        if kind is not None and isinstance(subject, str) and subject in kind._value2member_map_:
            subject = kind(subject)
        elif change.section == "transfers" and isinstance(subject, str):
            subject = i18n.country_name(subject, language)
        rows.append(
            {
                "section": i18n.gettext(language, SECTIONS[change.section]),
                "subject": _described(subject, language),
                "kind": i18n.gettext(language, KINDS[change.kind]),
                "significant": change.significant,
            }
        )
    return rows


def _feed(
    site: Site, language: str, urls: SiteUrls, versions: list[PublishedVersion], title: str, updated: date
) -> str:
    def absolute(name: str) -> str:
        return urls.absolute(language, name) or f"urn:privacy-notice:{site.id}:{language}:{name}"

    def link(name: str) -> str:
        return urls.absolute(language, name) or relative(urls.page_path(language, FEED), urls.page_path(language, name))

    org = html.escape(pick(site.notice.publisher.name, language))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{language}">',
        f"  <title>{html.escape(i18n.gettext(language, FEED_TITLE) % {'title': title})}</title>",
        f"  <id>{html.escape(absolute(HISTORY))}</id>",
        f"  <updated>{updated.isoformat()}T00:00:00Z</updated>",
        f'  <link rel="self" type="{ATOM}" href="{html.escape(link(FEED))}"/>',
        f'  <link rel="alternate" type="text/html" href="{html.escape(link(HISTORY))}"/>',
        f"  <author><name>{org}</name></author>",
    ]
    for item in reversed(versions):
        changes = item.changes
        significant = sum(c.significant for c in changes.changes) if changes else 0
        editorial = len(changes.changes) - significant if changes else 0
        summary = i18n.gettext(language, SIGNIFICANT_SUMMARY) % {"significant": significant, "editorial": editorial}
        page = version_name(item.version.id, "changes/")
        lines += [
            "  <entry>",
            f"    <title>{html.escape(i18n.gettext(language, ENTRY_TITLE) % {'version': item.version.id})}</title>",
            f"    <id>{html.escape(absolute(version_name(item.version.id, '')))}</id>",
            f"    <updated>{item.version.published.isoformat()}T00:00:00Z</updated>",
            f'    <link rel="alternate" type="text/html" href="{html.escape(link(page))}"/>',
            f"    <summary>{html.escape(summary)}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def history_files(
    renderer: Renderer,
    site: Site,
    language: str,
    urls: SiteUrls,
    registry: Registry | None,
    stylesheet: str,
    law: Jurisdiction,
    codes: dict[str, type[Code]],
    versions: list[PublishedVersion],
) -> dict[str, str]:
    """Every page of the site's history in ``language``: nothing when nothing was archived yet."""
    if not versions:
        return {}
    files: dict[str, str] = {}
    current = urls.page_path(language)
    title = pick(site.notice.title, language) if site.notice.title else i18n.gettext(language, N_("Privacy notice"))
    history_path = urls.page_path(language, HISTORY + INDEX)
    for item in versions:
        extra = {
            "archived": {
                "version": item.version.id,
                "published": item.version.published,
                "current": relative(urls.page_path(language, version_name(item.version.id)), current),
            }
        }
        page = notice_page(
            renderer,
            item.site,
            language,
            urls,
            registry,
            stylesheet,
            {**extra, "history_href": relative(urls.page_path(language, version_name(item.version.id)), history_path)},
            law,
            name=version_name(item.version.id),
        )
        files[page.path] = page.body
        changes_path = urls.page_path(language, version_name(item.version.id, "changes/" + INDEX))
        files[changes_path] = renderer.render(
            language,
            CHANGES_TEMPLATE,
            title=title,
            org=pick(site.notice.publisher.name, language),
            version=item.version,
            rows=change_rows(item.changes, language, codes) if item.changes else None,
            stylesheet=relative(changes_path, stylesheet),
            version_href=relative(changes_path, urls.page_path(language, version_name(item.version.id))),
            history_href=relative(changes_path, history_path),
            current_href=relative(changes_path, current),
            page_path=changes_path,
        )
    files[history_path] = renderer.render(
        language,
        HISTORY_TEMPLATE,
        title=title,
        org=pick(site.notice.publisher.name, language),
        versions=[
            {
                "id": item.version.id,
                "published": item.version.published,
                "href": relative(history_path, urls.page_path(language, version_name(item.version.id))),
                "changes_href": relative(
                    history_path, urls.page_path(language, version_name(item.version.id, "changes/" + INDEX))
                ),
                "significant": bool(item.changes and item.changes.significant),
                "first": item.changes is None,
            }
            for item in reversed(versions)
        ],
        stylesheet=relative(history_path, stylesheet),
        current_href=relative(history_path, current),
        feed_href=relative(history_path, urls.page_path(language, FEED)),
        page_path=history_path,
    )
    files[urls.page_path(language, FEED)] = _feed(site, language, urls, versions, title, versions[-1].version.published)
    return files
