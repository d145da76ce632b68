"""Free text from content, made safe for a page.

Legal staff may write Markdown; raw HTML is refused by validation and, as a
second line of defence, escaped here; links may only point to the web, mail or
telephone, never to ``javascript:``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from functools import lru_cache
from typing import Any

import markdown
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

_SAFE_LINK = re.compile(r"^(https?:|mailto:|tel:|#)", re.IGNORECASE)


class _SafeLinks(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for element in root.iter("a"):
            if not _SAFE_LINK.match(element.get("href", "")):
                element.attrib.pop("href", None)
        for element in list(root.iter("img")):
            element.tag = "span"  # images would load from anywhere: keep the alt text only
            element.text = element.attrib.pop("alt", "")
            element.attrib.clear()


class _NoRawHtml(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


_converter = markdown.Markdown(extensions=[_NoRawHtml(), "sane_lists"], output_format="html")
_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


def pick(value: Any, language: str, fallback: str | None = None) -> str:
    """The text of ``value`` in ``language``: a Label may be one plain string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get(language) or (value.get(fallback) if fallback else None) or next(iter(value.values()), "")
    return str(value)


# Most free text is plain sentences: they skip the Markdown parser.
_MARKDOWN_SYNTAX = re.compile(r"[*_`\[\]<>#!|~\\&]|^\s*(?:[-+>]|\d+[.)])\s|\n\s*\n|^ {4}", re.MULTILINE)


@lru_cache(maxsize=8192)
def _convert(text: str) -> str:
    if not _MARKDOWN_SYNTAX.search(text):
        return f"<p>{escape(text.strip())}</p>"
    _converter.reset()
    return _converter.convert(text)


def render_markdown(text: str) -> Markup:
    return Markup(_convert(text))


def render_inline(text: str) -> Markup:
    """Markdown for a table cell or a list item: no wrapping paragraph."""
    html = str(render_markdown(text))
    match = _PARAGRAPH.match(html)
    return Markup(match.group(1) if match and "<p>" not in match.group(1) else html)
