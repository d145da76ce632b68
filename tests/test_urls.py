"""Links between output files: worked out by parts, as posixpath.relpath would."""

from __future__ import annotations

import posixpath

from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.urls import INDEX, relative

PART = st.sampled_from(["a", "b", "site-0001", "fr", "en", "assets", INDEX, "notice.json", "x.css"])
PATH = st.lists(PART, min_size=1, max_size=4).map("/".join)


def by_relpath(from_path: str, to_path: str) -> str:
    target = posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")
    return target[: -len(INDEX)] or "./" if to_path.endswith(INDEX) else target


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(PATH, PATH)
def test_links_are_those_posixpath_gives(from_path: str, to_path: str) -> None:
    assert relative(from_path, to_path) == by_relpath(from_path, to_path)


def test_the_usual_links_of_a_page() -> None:
    page = "clinique/fr/index.html"
    assert relative(page, "assets/notice.0123456789.css") == "../../assets/notice.0123456789.css"
    assert relative(page, "clinique/en/index.html") == "../en/"
    assert relative(page, "clinique/fr/notice.json") == "notice.json"
    assert relative(page, "clinique/fr/index.html") == "./"
    assert relative(INDEX, "clinique/fr/index.html") == "clinique/fr/"
    assert relative("a/../b/index.html", "assets/x.css") == by_relpath("a/../b/index.html", "assets/x.css")
