"""Notices to HTML: one Jinja environment per language, loaded once per run."""

from __future__ import annotations

import ast
import contextlib
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup, escape

from . import i18n
from .codes import N_, Code, CookieCategory
from .content import Site
from .law import Jurisdiction, jurisdiction
from .model import Registry
from .problems import Problem
from .text import french_spacing, pick_marked, render_inline, render_markdown
from .urls import INDEX, SiteUrls, relative

COLON = N_(":")
SEMICOLON = N_(";")
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
INDEX_TEMPLATE = "index.html"
# What a site's pages use, the largest first (see Renderer.warm_up).
PAGE_TEMPLATES = (
    "notice.html",
    "base.html",
    "macros.html",
    "consent/embed.html",
    "consent/tags.html",
    "consent/settings.html",
)
# Part of the compiled templates' cache folder: change it when _EscapingCodeGenerator writes other code, so that
# templates compiled by an older one are not reused.
_GENERATOR_VERSION = "2"


@dataclass(frozen=True)
class Page:
    path: str  # relative to the output root
    body: str


_CONSTANT_MESSAGE = re.compile(r"""\{\{\s*_\((?P<literal>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\)\s*\}\}""")


class TranslatingLoader(jinja2.FileSystemLoader):
    """Translates ``{{ _("constant") }}`` once, when a template is compiled.

    Each language has its own environment, so a message without parameters is
    the same on every page: translating it per render was a third of the
    build's time. Messages with parameters still go through gettext.
    """

    def __init__(self, searchpath: Path, translate: Callable[[str], str]) -> None:
        super().__init__(searchpath)
        self.translate = translate

    def _inline(self, match: re.Match[str]) -> str:
        text = self.translate(ast.literal_eval(match.group("literal")))
        if any(mark in text for mark in ("{", "}", "%")):
            return match.group(0)  # would read as template syntax or format: leave it to gettext
        return str(escape(text))

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return _CONSTANT_MESSAGE.sub(self._inline, source), filename, uptodate


try:  # MarkupSafe's own escaping of a plain string, the step under ``escape``; not a public name, hence the fallback
    from markupsafe import _escape_inner  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another MarkupSafe release

    def _escape_inner(text: str, /) -> str:
        return str(escape(text))


_TAGS = re.compile(r"<[^>]*>")


def _escape_output(value: Any) -> str:
    """What ``{{ value }}`` writes in an autoescaped template: the same text as ``markupsafe.escape``, without
    wrapping each piece in a Markup object (the pieces are joined, and the joined text wrapped, by Jinja)."""
    kind = type(value)
    if kind is str:
        return str(_escape_inner(value))
    if kind is Markup:
        return value  # type: ignore[no-any-return]
    return escape(value)


class _EscapingCodeGenerator(CodeGenerator):
    """Compiles ``{{ value }}`` to ``_escape_output(value)`` where the template is autoescaped.

    Jinja writes ``escape(value)``, which makes a Markup object of every piece of a page: with some 300 pieces
    a notice, that was a seventh of its rendering. ``code_generator_class`` is Jinja's hook for this; the method
    is Jinja's own, and tests/test_render.py checks that the compiled code still calls ours."""

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.escape_output(")  # ``environment`` is a global of every compiled template
        if finalize.src is not None:
            self.write(finalize.src)


class _NoticeEnvironment(jinja2.Environment):
    code_generator_class = _EscapingCodeGenerator
    escape_output = staticmethod(_escape_output)


class _TolerantBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache of compiled templates, for which a folder it cannot write to (a read-only checkout,
    a full disk) means compiling again next time, not a failed build."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class Renderer:
    """One Jinja environment per language, made on first use and kept for the run."""

    def __init__(
        self, languages: Iterable[str] = (), templates_dir: Path = TEMPLATES_DIR, cache_dir: Path | None = None
    ) -> None:
        self.templates_dir = templates_dir
        # Compiling notice.html costs more than rendering it: keep the bytecode between runs.
        self.cache_dir = cache_dir
        self._envs = {lang: self._environment(lang, templates_dir, self._cache(lang)) for lang in languages}

    def _cache(self, language: str) -> jinja2.BytecodeCache | None:
        # One folder per language: the sources differ once constant messages are translated.
        if self.cache_dir is None:
            return None
        folder = self.cache_dir / f"{language}-{_GENERATOR_VERSION}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None  # a cache that cannot be written only makes builds slower
        return _TolerantBytecodeCache(str(folder))

    @staticmethod
    def _environment(
        language: str, templates_dir: Path, cache: jinja2.BytecodeCache | None = None
    ) -> jinja2.Environment:
        translations = i18n.translations(language)
        env = _NoticeEnvironment(
            loader=TranslatingLoader(templates_dir, translations.gettext),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=cache,
        )
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        if i18n.base_language(language) == "fr":
            _elide_after_formatting(env)
        _ = translations.gettext
        labels: dict[tuple[type, Code], str] = {}  # a few hundred codes, each worded on every page

        def label(code: Any) -> str:
            if not isinstance(code, Code):
                return str(code)
            key = (type(code), code)  # two closed sets may share a value (``access``) but not a wording
            text = labels.get(key)
            if text is None:
                text = labels[key] = _(code.label)
            return text

        # The source's own French gets French spacing, as the catalogs' does.
        french_page = i18n.base_language(language) == "fr"

        def said(text: str, written_in: str | None = None) -> str:
            french = french_page if written_in is None else i18n.base_language(written_in) == "fr"
            return french_spacing(text) if french else text

        def text(value: Any) -> str | Markup:
            shown, other = pick_marked(value, language)
            if other is None:
                return said(shown)
            return Markup('<span lang="{}">{}</span>').format(other, said(shown, other))

        def markdown(value: Any, inline: bool) -> Markup:
            if not value:
                return Markup("")
            shown, other = pick_marked(value, language)
            html = render_inline(said(shown, other)) if inline else render_markdown(said(shown, other))
            if other is None:
                return html
            # Another language's text, where the site allows it (language_fallback): marked for screen readers.
            return Markup('<{0} lang="{1}">{2}</{0}>').format("span" if inline else "div", other, html)

        env.filters.update(
            t=text,
            # Where markup cannot go (a page's <title>): the text alone, its language mark dropped.
            plain=lambda value: Markup(_TAGS.sub("", value)).unescape() if isinstance(value, Markup) else value,
            md=lambda value: markdown(value, inline=False),
            mdi=lambda value: markdown(value, inline=True),
            day=lambda value: i18n.format_day(value, language) if value else "",
            duration=lambda value: (
                _("for the browser session") if value == "session" else i18n.format_duration(value, language)
            ),
            label=label,
            period=lambda d: i18n.format_period(f"{d.days} day" if d.days else f"{d.months} month", language),
            upper_first=lambda text: text[:1].upper() + text[1:],
            explain=lambda code: _(code.explanation) if isinstance(code, Code) and code.explanation else "",
            language_name=lambda code: i18n.language_name(code),
            country=lambda code: i18n.country_name(code, language),
        )
        # A colon between a term and what follows, as the language writes it (French: a no-break space first).
        env.globals.update(language=language, CookieCategory=CookieCategory, colon=_(COLON), semicolon=_(SEMICOLON))
        return env

    def _env(self, language: str) -> jinja2.Environment:
        env = self._envs.get(language)
        if env is None:
            env = self._envs[language] = self._environment(language, self.templates_dir, self._cache(language))
        return env

    def render(self, language: str, template: str, **context: Any) -> str:
        return self._env(language).get_template(template).render(**context)

    def macros(self, language: str) -> Any:
        """The macros of macros.html, to word a fact outside a page (the record of processing, say) as pages do."""
        return self._env(language).get_template("macros.html").module

    def warm_up(self, languages: list[str], turn: int) -> None:
        """Compile the templates of a site's pages before its first page, starting ``turn`` languages along.

        Worker processes that share the bytecode cache each start with another language's notice.html (some
        40 ms to compile, per language), then the small templates: by the time one reaches another language's
        notice.html, its worker has most likely cached it, and it is loaded instead of compiled. A template that
        fails here fails again, with its message, when a page uses it."""
        if not languages or self.cache_dir is None:
            return
        start = turn % len(languages)
        mine = languages[start:] + languages[:start]
        large, *small = PAGE_TEMPLATES
        order = [
            (mine[0], large),
            *((language, name) for language in mine for name in small),
            *((language, large) for language in mine[1:]),
        ]
        for language, name in order:
            self.prepare(language, [name])

    def prepare(self, language: str, names: Iterable[str]) -> None:
        """Load or compile templates ahead of their use; one that fails fails again, with its message, when used."""
        for name in names:
            with contextlib.suppress(jinja2.TemplateError):
                self._env(language).get_template(name)


TEMPLATE_BROKEN = N_(
    "this template cannot be rendered (%(detail)s): correct it, or take it back from the product's templates/ folder"
)


# French elides “de” before a vowel: “dans un délai d'un mois”, which a sentence with a period in it would
# otherwise read “de un mois”.
_ELISION = re.compile(r"\b([Dd])e (une?)\b")


def _elide_after_formatting(env: jinja2.Environment) -> None:
    translate = cast("Callable[..., str]", env.globals["gettext"])

    @jinja2.pass_context
    def gettext(context: Any, message: str, **variables: Any) -> Any:
        said = translate(context, message, **variables)
        if not variables or "de u" not in said:
            return said
        elided = _ELISION.sub(r"\1'\2", said)
        return Markup(elided) if isinstance(said, Markup) else elided

    env.globals.update(gettext=gettext, _=gettext)


def template_problem(error: jinja2.TemplateError, templates_dir: Path = TEMPLATES_DIR) -> Problem:
    """A template that fails (a web team may edit them), said as a problem at its file and line: the line Jinja
    gives for a syntax error, else the innermost template line of the failure."""
    file: Path = templates_dir
    line: int | None = None
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        file, line = Path(error.filename), error.lineno
    else:
        # Jinja rewrites a rendering failure's traceback to show template lines in the template's own file.
        for frame, frame_line in traceback.walk_tb(error.__traceback__):
            if frame.f_code.co_filename.endswith(".html"):
                file, line = Path(frame.f_code.co_filename), frame_line
    return Problem(file, line, (), TEMPLATE_BROKEN, {"detail": str(error.message or type(error).__name__)})


def notice_page(
    renderer: Renderer,
    site: Site,
    language: str,
    urls: SiteUrls,
    registry: Registry | None,
    stylesheet: str,
    extra: dict[str, Any] | None = None,
    law: Jurisdiction | None = None,
) -> Page:
    """``law``: the site's, when the caller has it already (it is the same for every language)."""
    path = urls.page_path(language)
    notice = site.notice
    context = {
        "site_id": site.id,
        "n": notice,
        "law": law or jurisdiction(notice, registry),
        "page_path": path,
        "link": lambda target: relative(path, target),
        "stylesheet": relative(path, stylesheet),
        "canonical": urls.absolute(language),
        "alternates": [
            {"lang": other, "href": urls.absolute(other) or relative(path, urls.page_path(other))}
            for other in notice.languages
        ],
        "x_default": urls.absolute(notice.languages[0]) or relative(path, urls.page_path(notice.languages[0])),
        "switcher": [
            {"lang": other, "href": relative(path, urls.page_path(other)), "current": other == language}
            for other in notice.languages
        ],
        "json_export": relative(path, urls.page_path(language, "notice.json")),
        "processors_by_parent": {
            p.id: [s for s in notice.processors if s.sub_processor_of == p.id] for p in notice.processors
        },
        "data_by_id": {d.id: d for d in notice.data_categories},
        "recipients_by_id": {r.id: r for r in notice.recipients},
        "processors_by_id": {p.id: p for p in notice.processors},
        **(extra or {}),
    }
    return Page(path, renderer.render(language, "notice.html", **context))


def index_page(
    renderer: Renderer, sites: list[tuple[str, Any, list[str], bool]], language: str, stylesheet: str
) -> Page:
    """The list of sites: (site id, publisher name, languages, whether it is a draft) each."""
    entries = [
        {
            "id": site_id,
            "name": name,
            "draft": draft,
            "pages": [{"lang": lang, "href": f"{site_id}/{lang}/"} for lang in languages],  # the index sits at the root
        }
        for site_id, name, languages, draft in sites
    ]
    body = renderer.render(
        language, INDEX_TEMPLATE, sites=entries, stylesheet=relative(INDEX, stylesheet), page_path=INDEX
    )
    return Page(INDEX, body)
