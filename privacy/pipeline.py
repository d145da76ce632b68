"""The build, as a pipeline one can follow: load → check → render → publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from . import i18n
from .codes import N_
from .consent.widget import embed_page, notice_context, publish_widget
from .content import Content, load_content
from .export import notice_json
from .lint import lint_site
from .problems import Problem
from .publish import Writer, discard, hashed_name, staging_folder, swap_in
from .render import TEMPLATES_DIR, Renderer, index_page, jurisdiction, notice_page
from .urls import SiteUrls, site_base_url


@dataclass
class BuildResult:
    content: Content
    problems: list[Problem] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def catalog_problems(content: Content) -> list[Problem]:
    wanted = sorted({lang for site in content.sites for lang in site.languages} | {i18n.SOURCE_LANGUAGE})
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


def check(content_dir: Path) -> BuildResult:
    content = load_content(content_dir)
    result = BuildResult(content, list(content.problems))
    for site in content.sites:
        result.problems += lint_site(site, content.registry)
    result.problems += catalog_problems(content)
    return result


def _sitemap(entries: list[tuple[str, list[tuple[str, str]]]]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for loc, alternates in entries:
        lines.append(f"  <url><loc>{xml_escape(loc)}</loc>")
        for lang, href in alternates:
            lines.append(f'    <xhtml:link rel="alternate" hreflang="{lang}" href="{xml_escape(href)}"/>')
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def build(content_dir: Path, out: Path, base_url: str | None = None) -> BuildResult:
    result = check(content_dir)
    if not result.ok:
        return result
    content = result.content
    languages = sorted({lang for site in content.sites for lang in site.languages} | {i18n.SOURCE_LANGUAGE})
    renderer = Renderer(languages)
    staging = staging_folder(out)
    try:
        writer = Writer(staging)
        css = (TEMPLATES_DIR / "assets" / "notice.css").read_bytes()
        stylesheet = f"assets/{hashed_name('notice', '.css', css)}"
        writer.write(stylesheet, css)
        widget = publish_widget(writer)
        sitemap: list[tuple[str, list[tuple[str, str]]]] = []
        for site in content.sites:
            urls = SiteUrls(site.id, site_base_url(site.notice.base_url, base_url, site.id))
            law = jurisdiction(site.notice, content.registry)
            for language in site.languages:
                consent = notice_context(site, language, urls.page_path(language), widget)
                page = notice_page(renderer, site, language, urls, content.registry, stylesheet, consent)
                writer.write(page.path, page.body)
                embed = embed_page(renderer, site, language, urls, stylesheet, widget)
                writer.write(embed.path, embed.body)
                writer.write(urls.page_path(language, "notice.json"), notice_json(site, language, law))
                result.pages.append(page.path)
                absolute = urls.absolute(language)
                if absolute:
                    sitemap.append((absolute, [(lang, urls.absolute(lang) or "") for lang in site.languages]))
        index = index_page(renderer, content.sites, i18n.SOURCE_LANGUAGE, stylesheet)
        writer.write(index.path, index.body)
        if sitemap:
            writer.write("sitemap.xml", _sitemap(sitemap))
    except BaseException:
        discard(staging)
        raise
    swap_in(staging, out)
    return result
