"""Free text on a page: Markdown where it is written, plain sentences without the parser, the same result."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from privacy import text
from privacy.safe_markdown import converter

# What legal staff type: words, accents, punctuation, line breaks and blank lines, a few spaces here and there.
PLAIN = st.lists(
    st.sampled_from([*"abcdeé ÀXYZ.,;:'\"()?/%€0123-=+\n", "  ", "\n\n", " \n", "\t", "    "]), max_size=40
).map("".join)


def read(page_html: str) -> str:
    """What a browser shows: entities decoded, no space kept at the edge of a paragraph."""
    return re.sub(r"\s*(</?p>)\s*", r"\1", html.unescape(page_html))


def by_the_parser(source: str) -> str:
    md = converter()
    return md.convert(source)


@settings(max_examples=1500, deadline=None, derandomize=True, database=None)
@given(PLAIN)
def test_text_that_skips_the_parser_reads_as_the_parser_would_render_it(source: str) -> None:
    ours = text._convert.__wrapped__(source)
    # Quotes may be written as entities on one side and not the other: the same text once decoded.
    assert read(ours) == read(by_the_parser(source))


def test_markdown_is_still_markdown() -> None:
    assert str(text.render_markdown("A *list*:\n\n- one\n- two")) == by_the_parser("A *list*:\n\n- one\n- two")
    assert "<a href" not in str(text.render_markdown("[x](javascript:alert(1))"))
    assert (
        str(text.render_markdown("First.\n\nSecond, with l'apostrophe."))
        == "<p>First.</p>\n<p>Second, with l&#39;apostrophe.</p>"
    )


def test_french_spacing_puts_a_no_break_space_where_french_wants_one() -> None:
    from privacy.text import french_spacing

    assert french_spacing("Nos clients : les organismes ; « contact » ?") == (
        "Nos clients\u00a0: les organismes\u00a0; «\u00a0contact\u00a0»\u00a0?"
    )
    assert french_spacing("voir https://exemple.fr et fr: texte") == "voir https://exemple.fr et fr: texte"
    assert french_spacing("déjà\u00a0: bien") == "déjà\u00a0: bien"
