"""The real cause of a YAML slip, on the line where it was made.

libyaml reports where its parser gave up, in the words of its own states: an unclosed quote is found lines later
as a key it did not expect, a list dash typed without its space as an indentation error on the next line, an
``en:`` indented one space too far as a colon inside a text. Legal staff need the line they typed wrong and what
to type instead. When the parser fails, this module reads the lines as a person looks at them — columns, dashes,
quotes — up to where the parser stopped, and names the first slip it sees; when it sees none, the parser's own
account stands (privacy/validation.py words it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .codes import N_

Kind = Literal["map", "seq"]

# The parser's account of a text with an unquoted “: ” inside it; the message is shared with validation.py.
COLON_IN_TEXT = N_(
    "a text on this line contains “: ” (a colon and a space), which YAML reads as a new field: put the whole text in quotes"
)
UNCLOSED = N_("a quote opens on this line and is never closed: close it, or write the text without quotes")
CLOSED_FURTHER = N_(
    "a quote opens on this line and is not closed on it, so YAML reads on to the next quote, on line %(end)s: "
    "close the quote at the end of this text, or write the text without quotes"
)
CLOSED_EARLY = {
    "'": N_(
        "the text in quotes ends early on this line, at the quote before “%(rest)s”: inside '…', write an apostrophe "
        "as two ('') or put the whole text in double quotes"
    ),
    '"': N_(
        'the text in quotes ends early on this line, at the quote before “%(rest)s”: inside "…", write a quote as '
        '\\" or use « » instead'
    ),
}
DASH_WITHOUT_SPACE = N_("a list item needs a space after its dash: write “- %(rest)s”, not “-%(rest)s”")
NO_SPACE_AFTER_COLON = N_(
    "put a space after the colon of “%(key)s:”: without it YAML reads “%(text)s” as one text, not a field and its value"
)
TOO_FAR_RIGHT = N_(
    "this line is indented further than “%(above)s” on line %(line)s, and a field that has a value cannot hold "
    "others: start this line in column %(column)s, like “%(above)s”"
)
BETWEEN_COLUMNS = N_(
    "this line starts in column %(column)s, where no field above it starts: line it up with “%(inner)s” "
    "(line %(inner_line)s, column %(inner_column)s) or with “%(outer)s” (line %(outer_line)s, column "
    "%(outer_column)s), whichever group it belongs to"
)
LEFT_OF_ALL = N_(
    "this line starts in column %(column)s, where no field above it starts: line it up with “%(inner)s” "
    "(line %(inner_line)s, column %(inner_column)s)"
)


@dataclass(frozen=True)
class Slip:
    line: int  # 1-based, the line the person typed wrong
    message: str  # a catalog id
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class _Block:
    column: int  # 0-based, where its fields (or its dashes) start
    kind: Kind
    line: int  # the last line seen at this column, for messages
    label: str


@dataclass
class _Line:
    number: int
    indent: int
    dashes: list[int]  # the columns of the list dashes the line opens with
    key: str | None
    key_column: int
    value: str  # what follows the key's colon (or the dashes), comments included


_KEY = re.compile(r"(?P<key>[^\s#'\"\[\]{},&*!|>%@`-][^:#]*?|\"[^\"]*\"|'[^']*')[ \t]*:(?:[ \t]+|$)")
_GLUED = re.compile(r"(?P<key>[a-z][a-z0-9_-]*):(?P<after>[^\s/:])")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
_PROPERTIES = re.compile(r"(?:[&!][^\s]*[ \t]*)+")
_BLOCK_SCALAR = re.compile(r"^[|>][-+0-9]*\s*(?:#.*)?$")


class _Found(Exception):
    def __init__(self, slip: Slip) -> None:
        self.slip = slip


def _label(line: _Line) -> str:
    head = "- " * len(line.dashes)
    if line.key is not None:
        return f"{head}{line.key}:"
    text = line.value if len(line.value) <= 30 else line.value[:29] + "…"
    return f"{head}{text}".rstrip()


def _split(number: int, raw: str) -> _Line | None:
    """A line's structure: None for a blank or comment line."""
    body = raw.rstrip()
    indent = len(body) - len(body.lstrip(" "))
    rest = body[indent:]
    if not rest or rest.startswith("#") or rest.startswith("---") or rest.startswith("..."):
        return None
    column = indent
    dashes: list[int] = []
    while rest == "-" or rest.startswith("- "):
        dashes.append(column)
        stripped = rest[1:].lstrip(" ")
        column += len(rest) - len(stripped)
        rest = stripped
    if rest.startswith("-") and len(rest) > 1 and rest[1] not in " -" and ":" in rest:
        raise _Found(Slip(number, DASH_WITHOUT_SPACE, {"rest": rest[1:].split(":", 1)[0] + ":"}))
    match = _KEY.match(rest)
    if match:
        return _Line(number, indent, dashes, match.group("key").strip(), column, rest[match.end() :])
    glued = _GLUED.match(rest)
    # A list item may well be a text with a colon in it (“- a:0” is the text “a:0”): only a field's line is read
    # as a field whose colon lacks its space.
    if glued and ": " not in rest and not dashes:
        text = rest.split(" #", 1)[0]
        raise _Found(Slip(number, NO_SPACE_AFTER_COLON, {"key": glued.group("key"), "text": text}))
    return _Line(number, indent, dashes, None, column, rest)


def _closing(text: str, start: int, quote: str) -> int:
    """The index of the quote that closes one opened just before ``start``, or -1."""
    i = start
    while i < len(text):
        char = text[i]
        if quote == '"' and char == "\\":
            i += 2
            continue
        if char == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return -1


def _after_quote(lines: list[str], number: int, column: int, quote: str) -> int:
    """Checks a quoted value that opens at ``column`` of line ``number`` (1-based); the last line it spans."""
    index, start = number - 1, column + 1
    while index < len(lines):
        text = lines[index]
        end = _closing(text, start, quote)
        if end >= 0:
            rest = _COMMENT.sub("", text[end + 1 :]).strip()
            if rest and not rest.startswith((":", ",", "]", "}")):
                if index == number - 1:
                    raise _Found(Slip(number, CLOSED_EARLY[quote], {"rest": rest[:30]}))
                raise _Found(Slip(number, CLOSED_FURTHER, {"end": str(index + 1)}))
            return index + 1
        index, start = index + 1, 0
    raise _Found(Slip(number, UNCLOSED))


def _flow_end(lines: list[str], number: int, column: int) -> int | None:
    """The last line of a flow collection (``[…]``, ``{…}``) opening at ``column``; None when it does not close."""
    depth, index, start, quote = 0, number - 1, column, ""
    while index < len(lines):
        text = lines[index]
        i = start
        while i < len(text):
            char = text[i]
            if quote:
                end = _closing(text, i, quote)
                if end < 0:
                    break
                i, quote = end + 1, ""
                continue
            if char in "\"'" and text[start:i].rstrip()[-1:] in ("[", "{", ",", ":", ""):
                quote = char  # a quote opens a text only where a text starts: l'Hôpital is no quote
            elif char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth == 0:
                    return index + 1
            elif char == "#" and (i == 0 or text[i - 1].isspace()):
                break
            i += 1
        index, start = index + 1, 0
    return None


def _between(number: int, first: int, inner: _Block, outer: _Block | None) -> Slip:
    params = {
        "column": str(first + 1),
        "inner": inner.label,
        "inner_line": str(inner.line),
        "inner_column": str(inner.column + 1),
    }
    if outer is None:
        return Slip(number, LEFT_OF_ALL, params)
    params.update(outer=outer.label, outer_line=str(outer.line), outer_column=str(outer.column + 1))
    return Slip(number, BETWEEN_COLUMNS, params)


class _Reader:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.stack: list[_Block] = []
        self.pending: _Block | None = None  # a field (or dash) with nothing after it: its block may follow
        self.text_column: int | None = None  # a plain text that may go on, on lines indented further than this
        self.skip_deeper_than: int | None = None  # a block text (| or >): its lines are further right than this
        self.text_indent: int | None = None  # and start in this column, the column of its first line

    def read(self, last: int) -> None:
        number = 0
        while number < min(last, len(self.lines)):
            number += 1
            raw = self.lines[number - 1]
            if self.skip_deeper_than is not None:
                indent = len(raw) - len(raw.lstrip(" "))
                if not raw.strip():
                    continue
                if self.text_indent is None and indent > self.skip_deeper_than:
                    self.text_indent = indent  # a block text's first line sets the indentation of all of them
                if self.text_indent is not None and indent >= self.text_indent:
                    continue
                self.skip_deeper_than = self.text_indent = None
            if self.text_column is not None:
                stripped = raw.strip()
                indent = len(raw) - len(raw.lstrip(" "))
                if not stripped or (indent > self.text_column and not _KEY.match(stripped) and stripped[0] != "-"):
                    continue  # more of the same plain text
                self.text_column = None
            line = _split(number, raw)
            if line is None:
                continue
            if "\t" in raw[: line.indent + 1]:
                return  # a tab: the parser's own message says it
            self._place(line)
            number = self._value(line)

    def _place(self, line: _Line) -> None:
        first = line.dashes[0] if line.dashes else line.key_column
        kind: Kind = "seq" if line.dashes else "map"
        pending, self.pending = self.pending, None
        if pending is not None and (first > pending.column or (first == pending.column and kind == "seq")):
            self.stack.append(_Block(first, kind, line.number, _label(line)))  # the block its field opened
        else:
            self._align(line, first, kind)
        # The line's own nested blocks: a dash's item, the field after it.
        for column in line.dashes[1:]:
            self.stack.append(_Block(column, "seq", line.number, _label(line)))
        if line.dashes and line.key is not None:
            self.stack.append(_Block(line.key_column, "map", line.number, f"{line.key}:"))

    def _align(self, line: _Line, first: int, kind: Kind) -> None:
        """A line that opens no block of its own must start in the column of one that is open."""
        popped: _Block | None = None
        while self.stack and self.stack[-1].column > first:
            popped = self.stack.pop()
        if self.stack and self.stack[-1].column == first and self.stack[-1].kind != kind:
            if kind == "seq":
                raise _Stop  # a dash in the column of fields: the parser's account is as good as any
            self.stack.pop()  # the list ends; its field's column must follow
            if not (self.stack and self.stack[-1].column == first):
                raise _Stop
        top = self.stack[-1] if self.stack else None
        if top is not None and top.column == first:
            top.line, top.label = line.number, _label(line)
        elif top is not None and popped is None:
            above = {"above": top.label, "line": str(top.line), "column": str(top.column + 1)}
            raise _Found(Slip(line.number, TOO_FAR_RIGHT, above))
        elif popped is not None:
            raise _Found(_between(line.number, first, popped, top))
        else:
            self.stack.append(_Block(first, kind, line.number, _label(line)))

    def _value(self, line: _Line) -> int:
        """Reads the value after the key or dashes; the number of the last line it takes."""
        value = line.value
        own = line.key_column if line.key is not None else (line.dashes[-1] if line.dashes else line.indent)
        column = len(self.lines[line.number - 1]) - len(value)
        properties = _PROPERTIES.match(value)  # an anchor (&name) or a tag (!name) before the value itself
        if properties:
            value = value[properties.end() :]
        stripped = _COMMENT.sub("", value).strip() if not value.startswith(("'", '"')) else value.strip()
        if not stripped:
            kind: Kind = "map" if line.key is not None else "seq"
            self.pending = _Block(own, kind, line.number, _label(line))
            return line.number
        if _BLOCK_SCALAR.match(stripped):
            self.skip_deeper_than = own
            return line.number
        if stripped[0] in "\"'":
            return _after_quote(self.lines, line.number, column, stripped[0])
        if stripped[0] in "[{":
            end = _flow_end(self.lines, line.number, column)
            if end is None:
                raise _Stop
            return end
        if line.key is None and _KEY.match(stripped):
            return line.number
        if ": " in stripped or stripped.endswith(":"):
            raise _Found(Slip(line.number, COLON_IN_TEXT))
        self.text_column = own
        return line.number


class _Stop(Exception):
    """Something this reader does not follow: the parser's account stands."""


def find_slip(text: str, error_line: int | None) -> Slip | None:
    """The first slip on the lines up to ``error_line`` (1-based, where the parser stopped), if one is seen."""
    lines = text.splitlines()
    last = error_line if error_line is not None else len(lines)
    try:
        _Reader(lines).read(last)
    except _Found as found:
        return found.slip if found.slip.line <= last else None
    except _Stop:
        return None
    return None
