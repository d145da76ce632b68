"""Free text from content, made safe for a page.

Legal staff may write Markdown; raw HTML is refused by validation and, as a
second line of defence, escaped here; links may only point to the web, mail or
telephone, never to ``javascript:``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    import markdown

_converter: markdown.Markdown | None = None


def _markdown() -> markdown.Markdown:
    global _converter
    if _converter is None:
        # Imported on the first text that needs it: most notices are plain sentences, and the parser's import
        # is a good part of a one-site rebuild.
        from .safe_markdown import converter

        _converter = converter()
    return _converter


_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


# French sets a no-break space before : ; ! ? and inside « »; legal staff type a plain one.
_FRENCH_BEFORE = re.compile(r"[ \u202f]([:;!?])(?=\s|$)")
_FRENCH_OPEN = re.compile(r"«[ \u00a0\u202f]*")
_FRENCH_CLOSE = re.compile(r"[ \u00a0\u202f]*»")


def french_spacing(text: str) -> str:
    """“Nos clients : les organismes” with a no-break space, as a French proof-reader expects; a colon glued to
    its word (“https:”, “fr:”) is left alone."""
    if not any(mark in text for mark in (" :", " ;", " !", " ?", "«", "»")):
        return text
    text = _FRENCH_BEFORE.sub("\u00a0\\1", text)
    return _FRENCH_CLOSE.sub("\u00a0»", _FRENCH_OPEN.sub("«\u00a0", text))


def pick(value: Any, language: str, fallback: str | None = None) -> str:
    """The text of ``value`` in ``language``: a Label may be one plain string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get(language) or (value.get(fallback) if fallback else None) or next(iter(value.values()), "")
    return str(value)


def pick_marked(value: Any, language: str) -> tuple[str, str | None]:
    """The text of ``value`` in ``language``, and the language it is written in when it is another one: a page
    that shows a text of another language (``language_fallback``) marks it with its ``lang``."""
    if isinstance(value, dict) and not value.get(language):
        for other, text in value.items():
            if text:
                return text, other
        return "", None
    return pick(value, language), None


# Most free text is plain sentences, in one paragraph or several: they skip the Markdown parser (a fifth of a
# notice's rendering time), which gives the same result for them (tests/test_text.py holds the two to it).
# Anything the parser could read as syntax goes to the parser: inline marks, entities and tags, lists, quotes
# and headings at a line's start, underlines, indented lines, tabs, and the two trailing spaces of a line break.
_MARKDOWN_SYNTAX = re.compile(
    r"[*_`\[\]<>#!|~\\&\t]|^[ ]*(?:[-+>]|\d+[.)])(?:\s|$)|^[ ]*[=-]+[ ]*$|^[ ]+\S|[ ]{2,}$", re.MULTILINE
)
_BLANK_LINES = re.compile(r"\n(?:[ ]*\n)+")


@lru_cache(maxsize=8192)
def _convert(text: str) -> str:
    if not _MARKDOWN_SYNTAX.search(text):
        paragraphs = (paragraph.strip() for paragraph in _BLANK_LINES.split(text.strip()))
        return "\n".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs if paragraph)
    converter = _markdown()
    converter.reset()
    return converter.convert(text)


def render_markdown(text: str) -> Markup:
    return Markup(_convert(text))


@lru_cache(maxsize=8192)
def render_inline(text: str) -> Markup:
    """Markdown for a table cell or a list item: no wrapping paragraph."""
    html = str(render_markdown(text))
    match = _PARAGRAPH.match(html)
    return Markup(match.group(1) if match and "<p>" not in match.group(1) else html)
