"""Characters a reader cannot see, in what a requester types.

A right-to-left override turns ``elpmaxe.latipsoh@oec`` into what reads as ``ceo@hospital.example``; a
zero-width space makes two names that look the same differ, and hides words from a search. The form refuses
them in the one-line fields (a name, an address or a file number never needs one, and the requester can
simply type it again), and the DPO's mail and ``requests show`` write them out as ``[U+202E RIGHT-TO-LEFT
OVERRIDE]`` in the free text, which may hold them for good reasons (text pasted from a document, Arabic or
Hebrew with its direction marks): refusing a request over a character its author cannot see would stop a
person exercising a right, while showing it lets the DPO read exactly what was sent.
"""

from __future__ import annotations

import unicodedata

# Controls, format characters (bidi overrides and isolates, zero-width spaces and joiners, the byte-order
# mark, the soft hyphen, tags), line and paragraph separators, private-use and unassigned code points.
_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn"})
# Letters and marks that show as nothing: Hangul fillers and the combining grapheme joiner.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u034f")
_JOINERS = frozenset("\u200c\u200d")


def _inside_a_word(text: str, at: int) -> bool:
    # Persian, Arabic and Indic scripts need the zero-width (non-)joiner between two letters of a word
    # (a Persian name may hold one); Latin text never does, so there it stays suspect.
    before, after = text[at - 1 : at], text[at + 1 : at + 2]
    return (
        bool(before)
        and bool(after)
        and not before.isascii()
        and not after.isascii()
        and unicodedata.category(before)[0] in "LM"
        and unicodedata.category(after)[0] == "L"
    )


def is_invisible(text: str, at: int) -> bool:
    char = text[at]
    if char in _JOINERS:
        return not _inside_a_word(text, at)
    return char in _BLANK or unicodedata.category(char) in _CATEGORIES


def has_invisible(text: str, allowed: str = "") -> bool:
    """Whether ``text`` holds a character nobody would see, other than those in ``allowed`` (line breaks…)."""
    return any(is_invisible(text, i) for i, char in enumerate(text) if char not in allowed)


def _shown(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"[U+{ord(char):04X} {name}]" if name else f"[U+{ord(char):04X}]"


def visible(text: str, allowed: str = "\n\t") -> str:
    """``text`` with each invisible character written out, except those in ``allowed``."""
    if text.isascii() and text.isprintable():
        return text  # nearly always: nothing to look for
    return "".join(_shown(c) if c not in allowed and is_invisible(text, i) else c for i, c in enumerate(text))
