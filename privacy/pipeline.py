"""The build, as a pipeline one can follow: load → check → render → publish.

Only sites whose policy.yaml changed since the last build are read and
rendered; the others' files are carried over (hard links) into the new
output. Rendering runs on every core when there are enough sites to share.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from . import i18n
from .codes import N_
from .consent.widget import WidgetAssets, embed_page, notice_context, publish_widget
from .content import Content, Site, load_content
from .export import notice_exports
from .incremental import MANIFEST, Manifest, SiteRecord, load_manifest, reusable_sites, shared_fingerprint, site_hashes
from .lint import lint_site
from .model import Registry
from .problems import Problem, from_record, sort_key, to_record
from .publish import Writer, discard, hashed_name, staging_folder, swap_in
from .render import TEMPLATES_DIR, Renderer, index_page, jurisdiction, notice_page
from .urls import SiteUrls, site_base_url

# Below this many sites to render, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 16


@dataclass
class BuildResult:
    content: Content
    problems: list[Problem] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    rendered: int = 0  # sites rendered in this run; the others were carried over

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def catalog_problems(languages: set[str]) -> list[Problem]:
    wanted = sorted(languages | {i18n.SOURCE_LANGUAGE})
    problems = []
    for issue in i18n.check_catalogs(wanted):
        file = issue.file or i18n.LOCALES_DIR / issue.language / "LC_MESSAGES"
        if issue.kind == "missing":
            problems.append(Problem(file, None, (), N_("no catalog for the language “%(lang)s”: add locales/%(lang)s/LC_MESSAGES/messages.po (see the README)"), {"lang": issue.language}))
        elif issue.kind == "unreadable":
            problems.append(Problem(file, None, (), N_("this catalog cannot be read: %(detail)s"), {"detail": issue.message_id}))
        elif issue.kind == "fuzzy":
            problems.append(Problem(file, issue.line, (), N_("the translation of “%(msgid)s” is marked fuzzy: check it and remove the fuzzy flag"), {"msgid": issue.message_id}))
        else:
            problems.append(Problem(file, issue.line, (), N_("“%(msgid)s” has no translation"), {"msgid": issue.message_id}))
    return problems


def _checked(content: Content, languages: set[str]) -> BuildResult:
    result = BuildResult(content, list(content.problems))
    for site in content.sites:
        result.problems += lint_site(site, content.registry)
    result.problems += catalog_problems(languages)
    return result


def check(content_dir: Path) -> BuildResult:
    content = load_content(content_dir)
    return _checked(content, {lang for site in content.sites for lang in site.languages})


def _sitemap(entries: list[list[Any]]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for loc, alternates in entries:
        lines.append(f"  <url><loc>{xml_escape(loc)}</loc>")
        for lang, href in alternates:
            lines.append(f'    <xhtml:link rel="alternate" hreflang="{lang}" href="{xml_escape(href)}"/>')
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


@dataclass
class SiteRenderer:
    """What rendering one site needs; built once per run (and inherited by worker processes)."""

    renderer: Renderer
    registry: Registry | None
    stylesheet: str
    widget: WidgetAssets
    base_url: str | None

    def files(self, site: Site) -> dict[str, str]:
        urls = SiteUrls(site.id, site_base_url(site.notice.base_url, self.base_url, site.id))
        law = jurisdiction(site.notice, self.registry)
        exports = notice_exports(site, law)
        files: dict[str, str] = {}
        for language in site.languages:
            extra = notice_context(site, language, urls.page_path(language), self.widget)
            if site.notice.rights.channels and site.notice.rights.channels.online_form:
                extra["rights_form_href"] = f"/rights/{site.id}/{language}/"  # served by server.py, same origin
            page = notice_page(self.renderer, site, language, urls, self.registry, self.stylesheet, extra)
            files[page.path] = page.body
            embed = embed_page(self.renderer, site, language, urls, self.stylesheet, self.widget)
            files[embed.path] = embed.body
            files[urls.page_path(language, "notice.json")] = exports[language]
        return files

    def record(self, site: Site, digest: str, files: list[str], warnings: list[Problem]) -> SiteRecord:
        urls = SiteUrls(site.id, site_base_url(site.notice.base_url, self.base_url, site.id))
        sitemap = [
            [absolute, [[lang, urls.absolute(lang)] for lang in site.languages]]
            for language in site.languages
            if (absolute := urls.absolute(language))
        ]
        return SiteRecord(digest, sorted(files), site.notice.publisher.name, list(site.languages), sitemap,
                          [to_record(w) for w in warnings])


# Set before the worker processes fork, so they inherit it instead of unpickling it.
_job: tuple[SiteRenderer, list[Site], Path] | None = None


def _render_and_write(index: int) -> list[str]:
    assert _job is not None
    site_renderer, sites, staging = _job
    written = []
    for name, body in site_renderer.files(sites[index]).items():
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        written.append(name)
    return written


def _render_all(site_renderer: SiteRenderer, sites: list[Site], writer: Writer, workers: int) -> dict[str, list[str]]:
    global _job
    if workers <= 1 or len(sites) < PARALLEL_THRESHOLD:
        return {site.id: [str(writer.write(n, b).relative_to(writer.root)) for n, b in site_renderer.files(site).items()]
                for site in sites}
    _job = (site_renderer, sites, writer.root)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            written = dict(zip((s.id for s in sites), pool.map(_render_and_write, range(len(sites)), chunksize=8)))
    finally:
        _job = None
    for names in written.values():
        writer.claim(names)
    return written


def _carry_over(out: Path, records: dict[str, SiteRecord], writer: Writer) -> None:
    for record in records.values():
        writer.claim(record.files)
        for name in record.files:
            target = writer.root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(out / name, target)


def build(content_dir: Path, out: Path, base_url: str | None = None, workers: int | None = None) -> BuildResult:
    shared = shared_fingerprint(content_dir, base_url)
    hashes = site_hashes(content_dir)
    previous = load_manifest(out) if out.is_dir() else None
    kept = reusable_sites(out, previous, shared, hashes)
    content = load_content(content_dir, skip=frozenset(kept))
    languages = {lang for site in content.sites for lang in site.languages}
    languages |= {lang for record in kept.values() for lang in record.languages}
    # Catalogs are part of the shared fingerprint: unchanged since a successful build, they need no new check.
    result = _checked(content, languages) if not kept else BuildResult(content, list(content.problems))
    if kept:
        for site in content.sites:
            result.problems += lint_site(site, content.registry)
    result.problems += [from_record(w) for record in kept.values() for w in record.warnings]
    result.problems.sort(key=sort_key)
    if not result.ok:
        return result

    renderer = Renderer(sorted(languages | {i18n.SOURCE_LANGUAGE}))
    staging = staging_folder(out)
    try:
        writer = Writer(staging)
        css = (TEMPLATES_DIR / "assets" / "notice.css").read_bytes()
        stylesheet = f"assets/{hashed_name('notice', '.css', css)}"
        writer.write(stylesheet, css)
        site_renderer = SiteRenderer(renderer, content.registry, stylesheet, publish_widget(writer), base_url)
        _carry_over(out, kept, writer)
        written = _render_all(site_renderer, content.sites, writer, workers or os.cpu_count() or 1)
        warnings = {site.id: lint for site in content.sites
                    if (lint := [p for p in result.problems if p.file == site.source.path])}
        records = dict(kept)
        for site in content.sites:
            records[site.id] = site_renderer.record(site, hashes[site.id] or "", written[site.id],
                                                    warnings.get(site.id, []))
        records = dict(sorted(records.items()))
        index = index_page(renderer, [(i, r.name, r.languages) for i, r in records.items()],
                           i18n.SOURCE_LANGUAGE, stylesheet)
        writer.write(index.path, index.body)
        sitemap = [entry for record in records.values() for entry in record.sitemap]
        if sitemap:
            writer.write("sitemap.xml", _sitemap(sitemap))
        writer.write(MANIFEST, Manifest(shared, records).to_json())
        result.pages = [name for r in records.values() for name in r.files if name.endswith("/index.html")]
        result.rendered = len(content.sites)
    except BaseException:
        discard(staging)
        raise
    swap_in(staging, out)
    return result
