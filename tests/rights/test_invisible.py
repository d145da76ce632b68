"""Which characters count as invisible, and how they are written out."""

from __future__ import annotations

import pytest

from privacy.rights.invisible import has_invisible, visible


@pytest.mark.parametrize(
    "text",
    [
        "a\u202eb",
        "a\u202ab",
        "a\u2066b\u2069",
        "a\u200bb",
        "a\u200db",
        "\ufeffa",
        "a\u00adb",
        "a\u2060b",
        "a\U000e0041",
        "a\u3164b",
        "a\u115fb",
        "a\ue000b",
        "a\x07b",
        "a\u2028b",
        "a\u061cb",
    ],
)
def test_these_are_invisible(text: str) -> None:
    assert has_invisible(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ana Dupont-Lévêque",
        "Zoë O'Brien",
        "Ana\u00a0Dupont",
        "شیرین",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "क्\u200dष",
        "Ναυσικά",
        "李小龍",
        "שלום",
    ],
)
def test_these_are_not(text: str) -> None:
    assert not has_invisible(text)


def test_visible_names_each_one_and_keeps_the_allowed() -> None:
    assert visible("a\u202eb\nc\td") == "a[U+202E RIGHT-TO-LEFT OVERRIDE]b\nc\td"
    assert visible("a\nb", allowed="") == "a[U+000A]b"
    assert visible("plain text") == "plain text"
