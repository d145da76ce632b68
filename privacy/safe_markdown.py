"""The Markdown parser as notices use it: no raw HTML, links only to the web, mail or telephone, no images."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.treeprocessors import Treeprocessor

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


def converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=[_NoRawHtml(), "sane_lists"], output_format="html")
