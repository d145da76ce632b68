"""The build, as a pipeline one can follow: load → check → render → publish.

Only sites whose policy.yaml changed since the last build are read and
rendered; the others' files are carried over (hard links) into the new
output. Rendering runs on every core when there are enough sites to share.
"""

from __future__ import annotations

import contextlib
import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from . import i18n
from .codes import N_
from .consent.inventory import consent_inventory
from .consent.widget import WidgetAssets, embed_page, notice_context, publish_widget
from .content import Content, Site, load_content, load_registry, load_site, site_folders
from .dpv import JSONLD_FILE, notice_jsonld
from .export import notice_exports
from .history import CHANGE_CODES, FEED, HISTORY, history_files, published_versions
from .incremental import MANIFEST, Manifest, SiteRecord, Survey, registry_hash, reusable_sites, survey
from .law import jurisdiction
from .lint import lint_site
from .model import Registry
from .problems import Problem, from_record, sort_key, to_record
from .publish import Writer, discard, hashed_name, staging_folder, swap_in, swap_in_parts
from .render import INDEX_TEMPLATE, TEMPLATES_DIR, Renderer, index_page, notice_page, template_problem
from .rights.request import form_offered
from .urls import INDEX, SiteUrls, relative, site_base_url
from .versions import ArchiveError, archive

SITEMAP = "sitemap.xml"
# Below this many sites to render, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 16


@dataclass
class BuildResult:
    content: Content
    problems: list[Problem] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    rendered: int = 0  # sites rendered in this run; the others were carried over
    archived: list[tuple[str, str]] = field(default_factory=list)  # (site, version) added to the archive
    sites_total: int = 0  # site folders found, sound or not

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def catalog_problems(languages: set[str]) -> list[Problem]:
    wanted = sorted(languages)
    problems = []
    for issue in i18n.check_catalogs(wanted):
        file = issue.file or i18n.LOCALES_DIR / issue.language / "LC_MESSAGES"
        if issue.kind == "missing":
            problems.append(
                Problem(
                    file,
                    None,
                    (),
                    N_(
                        "no catalog for the language “%(lang)s”: add locales/%(lang)s/LC_MESSAGES/messages.po (see the README)"
                    ),
                    {"lang": issue.language},
                )
            )
        elif issue.kind == "unreadable":
            problems.append(
                Problem(file, None, (), N_("this catalog cannot be read: %(detail)s"), {"detail": issue.message_id})
            )
        elif issue.kind == "fuzzy":
            problems.append(
                Problem(
                    file,
                    issue.line,
                    (),
                    N_("the translation of “%(msgid)s” is marked fuzzy: check it and remove the fuzzy flag"),
                    {"msgid": issue.message_id},
                )
            )
        else:
            problems.append(
                Problem(file, issue.line, (), N_("“%(msgid)s” has no translation"), {"msgid": issue.message_id})
            )
    return problems


def _checked(content: Content, languages: set[str]) -> BuildResult:
    result = BuildResult(content, list(content.problems))
    for site in content.sites:
        result.problems += lint_site(site, content.registry)
    result.problems += catalog_problems(languages | {i18n.SOURCE_LANGUAGE})
    return result


def check(content_dir: Path) -> BuildResult:
    content = load_content(content_dir)
    result = _checked(content, {lang for site in content.sites for lang in site.languages})
    result.sites_total = len(site_folders(content_dir)) if content_dir.is_dir() else 0
    return result


def _sitemap(entries: list[list[Any]]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for loc, alternates in entries:
        lines.append(f"  <url><loc>{html.escape(loc, quote=False)}</loc>")
        for lang, href in alternates:
            lines.append(f'    <xhtml:link rel="alternate" hreflang="{lang}" href="{html.escape(href)}"/>')
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
    # The day build.py publishes: each published site whose content is new is archived as a version first.
    # None (watch, preview, the tests' builds): nothing is archived.
    archive_on: date | None = None

    def files(self, site: Site) -> dict[str, str]:
        urls = SiteUrls(site.id, site_base_url(site.notice.base_url, self.base_url, site.id))
        law = jurisdiction(site.notice, self.registry)
        exports = notice_exports(site, law)
        inventory = consent_inventory(site)
        versions = published_versions(site)
        files: dict[str, str] = {}
        for language in site.languages:
            extra = notice_context(site, language, urls.page_path(language), self.widget, inventory)
            if versions:
                extra["history_href"] = relative(urls.page_path(language), urls.page_path(language, HISTORY + INDEX))
                extra["history_feed"] = relative(urls.page_path(language), urls.page_path(language, FEED))
            if form_offered(site):
                extra["rights_form_href"] = f"/rights/{site.id}/{language}/"  # served by server.py, same origin
            page = notice_page(self.renderer, site, language, urls, self.registry, self.stylesheet, extra, law)
            files[page.path] = page.body
            if site.notice.cookies.widget:
                embed = embed_page(self.renderer, site, language, urls, self.stylesheet, self.widget, inventory)
                files[embed.path] = embed.body
            files[urls.page_path(language, "notice.json")] = exports[language]
            files |= history_files(
                self.renderer, site, language, urls, self.registry, self.stylesheet, law, CHANGE_CODES, versions
            )
            files[urls.page_path(language, JSONLD_FILE)] = notice_jsonld(site, law, language, urls.absolute(language))
        return files

    def record(self, site: Site, digest: str, files: list[str], warnings: list[Problem]) -> SiteRecord:
        urls = SiteUrls(site.id, site_base_url(site.notice.base_url, self.base_url, site.id))
        draft = site.notice.status == "draft"
        # A draft's pages carry noindex: a sitemap offering them to search engines would say the opposite.
        sitemap = (
            []
            if draft
            else [
                [absolute, [[lang, urls.absolute(lang)] for lang in site.languages]]
                for language in site.languages
                if (absolute := urls.absolute(language))
            ]
        )
        return SiteRecord(
            digest,
            sorted(files),
            site.notice.publisher.name,
            list(site.languages),
            sitemap,
            [to_record(w) for w in warnings],
            draft,
        )


@dataclass
class SiteOutcome:
    site_id: str
    problems: list[Problem]
    record: SiteRecord | None = None
    cldr_answers: dict[str, str] = field(default_factory=dict)  # learnt by a worker process, for the cache
    archived: str | None = None  # the version this build added to the site's archive


Job = tuple[SiteRenderer, Path, Path, dict[str, str | None]]
# Set before the worker processes fork, so they inherit it instead of unpickling it.
_job: Job | None = None
# Folders this process has made in the staging folder: a site's six files share three.
_made: set[Path] = set()


def _process_site(site_id: str) -> SiteOutcome:
    """Read, check, lint and render one site into the staging folder."""
    assert _job is not None
    site_renderer, content_dir, staging, hashes = _job
    site, problems = load_site(content_dir / site_id, site_renderer.registry)
    if site is None or any(p.severity == "error" for p in problems):
        return SiteOutcome(site_id, problems)
    problems += lint_site(site, site_renderer.registry)
    added = None
    # Only what can be published is archived: a draft, or content with errors, is not.
    publishable = site.notice.status != "draft" and not any(p.severity == "error" for p in problems)
    if site_renderer.archive_on is not None and publishable:
        try:
            version = archive(content_dir / site_id, site.notice.version, site_renderer.archive_on)
            added = version.id if version else None
        except ArchiveError:
            # The page shows what the file says; the version's permanent address keeps what was published.
            problems = [*problems, _version_taken(site)]
    try:
        files = site_renderer.files(site)
    except jinja2.TemplateError as error:
        return SiteOutcome(site_id, [*problems, template_problem(error, site_renderer.renderer.templates_dir)])
    written = []
    for name, body in files.items():
        target = staging / name
        if target.parent not in _made:
            target.parent.mkdir(parents=True, exist_ok=True)
            _made.add(target.parent)
        with open(target, "wb") as file:
            file.write(body.encode())
        written.append(name)
    record = site_renderer.record(site, hashes[site_id] or "", written, problems)
    return SiteOutcome(site_id, problems, record, i18n.take_learnt(), added)


def _version_taken(site: Site) -> Problem:
    return Problem(
        site.source.path,
        site.source.line_of(("version",)),
        ("version",),
        N_(
            "version “%(version)s” was published with other content (%(archive)s): its permanent address keeps what "
            "was published; give this notice a new version, so that this one is kept too"
        ),
        {"version": site.notice.version or "", "archive": f"{site.id}/versions/"},
        severity="warning",
    )


def _warm_up(turns: Any) -> None:
    """Each worker process, as it starts: compile the templates, starting with a language of its own."""
    assert _job is not None
    with turns.get_lock():
        turn = turns.value
        turns.value += 1
    # Only a head start: whatever went wrong is met again, and reported, on the first page.
    with contextlib.suppress(Exception):
        _job[0].renderer.warm_up(i18n.available_languages(), turn)


def _process_all(
    job: Job, site_ids: list[str], workers: int, meanwhile: Callable[[], None] = lambda: None
) -> list[SiteOutcome]:
    """Every site of ``site_ids``, on ``workers`` processes when there are enough; ``meanwhile`` is what this
    process does while it waits for them (nothing to overlap when it renders them itself)."""
    global _job
    _job = job
    _made.clear()
    try:
        if workers <= 1 or len(site_ids) < PARALLEL_THRESHOLD:
            return [_process_site(site_id) for site_id in site_ids]
        # Imported here: a one-site rebuild never starts a pool, and these imports are a fair part of its time.
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_warm_up, initargs=(context.Value("i", 0),)
        ) as pool:
            outcomes_to_come = pool.map(_process_site, site_ids, chunksize=4)
            meanwhile()
            return list(outcomes_to_come)
    finally:
        _job = None
        _made.clear()


def _once_each(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[object, ...]] = set()
    unique = []
    for problem in problems:
        key = (problem.file, problem.line, problem.path, problem.message, tuple(sorted(problem.params.items())))
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return unique


def _listing_unchanged(out: Path, previous: Manifest | None, records: dict[str, SiteRecord], sitemap: bool) -> bool:
    """Whether the index and the sitemap in ``out`` already say what ``records`` would: the same sites, names,
    languages and addresses (the shared inputs, templates included, are unchanged when any site is kept)."""
    if previous is None or not (out / INDEX).is_file() or (sitemap and not (out / SITEMAP).is_file()):
        return False
    listed = [(site_id, r.name, r.languages, r.sitemap, r.draft) for site_id, r in sorted(previous.sites.items())]
    return listed == [(site_id, r.name, r.languages, r.sitemap, r.draft) for site_id, r in records.items()]


def build(
    content_dir: Path,
    out: Path,
    base_url: str | None = None,
    workers: int | None = None,
    renderer: Renderer | None = None,
    found: Survey | None = None,
    archive_on: date | None = None,
    retire: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Build ``out`` from ``content_dir``. A long-running caller (watch) passes its renderer to keep templates
    warm; a caller that already surveyed the inputs (to tell whether anything changed) passes ``found``; one in
    a hurry (preview) passes ``retire``, which is given the folders of replaced pages to remove when it likes."""
    if not content_dir.is_dir():
        return _checked(load_content(content_dir), set())
    found = found or survey(content_dir, out, base_url)
    kept = reusable_sites(out, found.previous, found.shared, found.hashes)
    registry_digest = registry_hash(content_dir)
    registry, problems = load_registry(content_dir)
    result = BuildResult(Content(content_dir, registry), list(problems), sites_total=len(found.hashes))
    if not found.hashes:
        result.problems.append(
            Problem(content_dir, None, (), N_("no site folder was found: add one with a policy.yaml"))
        )
    if not result.ok:
        return result

    renderer = renderer or Renderer(cache_dir=out.with_name(f".{out.name}-cache"))
    if renderer.cache_dir is not None:
        i18n.load_answers(renderer.cache_dir)
    staging = staging_folder(out)
    try:
        writer = Writer(staging)
        stylesheet = _publish_stylesheet(writer)
        site_renderer = SiteRenderer(renderer, registry, stylesheet, publish_widget(writer), base_url, archive_on)
        changed = [site_id for site_id in found.hashes if site_id not in kept]
        job = (site_renderer, content_dir, staging, found.hashes)
        records = _render_sites(result, writer, job, changed, kept, workers)
        if result.ok:
            records = dict(sorted(records.items()))
            _write_listing(result, writer, renderer, stylesheet, records, (out, found.previous) if kept else None)
        if not result.ok:
            discard(staging)
            return result
        writer.write(MANIFEST, Manifest(found.shared, records, registry=registry_digest).to_json())
        result.pages = [name for r in records.values() for name in r.files if name.endswith("/index.html")]
        result.rendered = len(changed)
        if renderer.cache_dir is not None:
            i18n.save_answers(renderer.cache_dir)
    except BaseException:
        discard(staging)
        raise
    _move_in(staging, out, changed, records, found.previous if kept else None, retire)
    return result


def _publish_stylesheet(writer: Writer) -> str:
    css = (TEMPLATES_DIR / "assets" / "notice.css").read_bytes()
    stylesheet = f"assets/{hashed_name('notice', '.css', css)}"
    writer.write(stylesheet, css)
    return stylesheet


def _render_sites(
    result: BuildResult,
    writer: Writer,
    job: tuple[SiteRenderer, Path, Path, dict[str, str | None]],
    changed: list[str],
    kept: dict[str, SiteRecord],
    workers: int | None,
) -> dict[str, SiteRecord]:
    """Render the changed sites on every core, add their problems (and the kept sites' warnings, and the
    catalogs' problems) to ``result``, and return the record of every site of the build."""
    renderer = job[0].renderer
    catalogs: dict[str, list[Problem]] = {}

    def meanwhile() -> None:
        # What comes after the sites, done while the workers render them: each catalog's check (the
        # sites' languages are not known yet: every catalog on offer) and the index's templates.
        for language in {*i18n.available_languages(), i18n.SOURCE_LANGUAGE}:
            catalogs[language] = catalog_problems({language})
        renderer.prepare(i18n.SOURCE_LANGUAGE, [INDEX_TEMPLATE])

    outcomes = _process_all(job, changed, workers or os.cpu_count() or 1, meanwhile)
    records = dict(kept)
    for outcome in outcomes:
        result.problems += outcome.problems
        i18n.learn(outcome.cldr_answers)
        if outcome.archived is not None:
            result.archived.append((outcome.site_id, outcome.archived))
        if outcome.record is not None:
            writer.claim(outcome.record.files)
            records[outcome.site_id] = outcome.record
    result.problems += [from_record(w) for record in kept.values() for w in record.warnings]
    # Catalogs are part of the shared fingerprint: those of carried-over sites were checked by an earlier build.
    checked = {lang for record in kept.values() for lang in record.languages}
    new = {lang for record in records.values() for lang in record.languages} - checked
    for language in sorted(new if kept else new | {i18n.SOURCE_LANGUAGE}):
        result.problems += catalogs[language] if language in catalogs else catalog_problems({language})
    result.problems = _once_each(result.problems)  # a broken template is met by every site
    result.problems.sort(key=sort_key)
    return records


def _write_listing(
    result: BuildResult,
    writer: Writer,
    renderer: Renderer,
    stylesheet: str,
    records: dict[str, SiteRecord],
    carried_over: tuple[Path, Manifest | None] | None,
) -> None:
    """The index and the sitemap, unless those already in the output (``carried_over``) say the same."""
    sitemap = [entry for record in records.values() for entry in record.sitemap]
    if carried_over and _listing_unchanged(*carried_over, records, bool(sitemap)):
        return
    try:
        index = index_page(
            renderer,
            [(i, r.name, r.languages, r.draft) for i, r in records.items()],
            i18n.SOURCE_LANGUAGE,
            stylesheet,
        )
    except jinja2.TemplateError as error:
        result.problems.append(template_problem(error, renderer.templates_dir))
        return
    writer.write(index.path, index.body)
    if sitemap:
        writer.write(SITEMAP, _sitemap(sitemap))


def _move_in(
    staging: Path,
    out: Path,
    changed: list[str],
    records: dict[str, SiteRecord],
    previous: Manifest | None,
    retire: Callable[[Path], None] | None,
) -> None:
    """Put the build in place: whole, or (``previous``: sites were carried over) only what changed."""
    if previous is None:
        swap_in(staging, out, retire)
        return
    # The sites carried over stay where they are; only what changed moves in.
    shared_files = [
        str(p.relative_to(staging))
        for p in staging.rglob("*")
        if p.is_file() and p.relative_to(staging).parts[0] not in records
    ]
    # The manifest moves in last: once it is there, the whole build is (the running server waits for it).
    shared_files.sort(key=lambda name: name == MANIFEST)
    removed = [site_id for site_id in previous.sites if site_id not in records]
    swap_in_parts(staging, out, changed, shared_files, removed, retire)
