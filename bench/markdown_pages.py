"""Our built pages as Markdown, so Hugo and Pelican build the same page texts.

Only the text of each block is kept (headings, paragraphs, list items, table
cells, definition terms): the rivals get the same words, in their own format.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = {"p", "li", "dt", "dd", "td", "th", "caption", "summary", "address"}


@dataclass(frozen=True)
class MarkdownPage:
    site: str
    language: str
    title: str
    body: str


class _Blocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = False
        self.stack: list[str] = []
        self.text: list[str] = []
        self.blocks: list[str] = []
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main = True
        if self.in_main and (tag in HEADINGS or tag in BLOCKS):
            self._flush()
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False
        if self.stack and tag == self.stack[-1]:
            self._flush()
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.in_main and self.stack:
            self.text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self.text).split())
        self.text = []
        if not text or not self.stack:
            return
        tag = self.stack[-1]
        if tag == "h1" and not self.title:
            self.title = text
        elif tag in HEADINGS:
            self.blocks.append("#" * HEADINGS[tag] + " " + text)
        elif tag == "li":
            self.blocks.append("- " + text)
        else:
            self.blocks.append(text)


def page_as_markdown(html: str, site: str, language: str) -> MarkdownPage:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return MarkdownPage(site, language, parser.title or site, "\n\n".join(parser.blocks) + "\n")


def built_pages_as_markdown(public: Path, sites: list[str]) -> list[MarkdownPage]:
    pages = []
    for site in sites:
        for page in sorted((public / site).glob("*/index.html")):
            pages.append(page_as_markdown(page.read_text(encoding="utf-8"), site, page.parent.name))
    return pages
