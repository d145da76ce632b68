"""Problems found in content, said in words legal staff understand.

A problem keeps its message id and parameters rather than a finished string,
so ``build.py check --lang fr`` can say it in French.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, cast

from .codes import N_
from .i18n import format_choices, gettext
from .source import FieldPath

# A note says what a choice does to the site; it never fails a build, nor ``check --strict``.
Severity = Literal["error", "warning", "note"]


def format_path(path: FieldPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    path: FieldPath
    message: str
    params: dict[str, str] = field(default_factory=dict)
    severity: Severity = "error"
    # Why it is asked (a catalog id, e.g. the law and article that require it), said after the message.
    reason: str = ""
    # Found in a site marked draft: said, but no reason for ``check --strict`` to fail.
    in_draft: bool = False

    def text(self, language: str) -> str:
        params = {k: _said(language, k, v) for k, v in self.params.items()}
        said = gettext(language, self.message) % params if params else gettext(language, self.message)
        return f"{said} — {gettext(language, self.reason) % params}" if self.reason else said

    def render(self, language: str, root: Path | None = None) -> str:
        shown = _shown(self.file, root)
        where = f"{shown}:{self.line}" if self.line else f"{shown}"
        field_ = f" {format_path(self.path)}" if self.path else ""
        tag = gettext(language, _TAGS[self.severity])
        return f"{where}{field_}: {tag}: {self.text(language)}"


_TAGS = {"error": N_("error"), "warning": N_("warning"), "note": N_("note")}
# A code or a value quoted in a message, as the language quotes.
QUOTED = N_("“%(text)s”")
CHOICES = "\n"  # between the items of a choices parameter


def choices(items: Iterable[str]) -> str:
    """A parameter that lists what may be written (``or_…``: codes, quoted; ``_or_…``: catalog ids)."""
    return CHOICES.join(items)


def _said(language: str, key: str, value: str) -> str:
    """A parameter in ``language``: ``_…`` is a catalog id; ``or_…`` codes and ``_or_…`` catalog ids are a
    choice among them, said as the language says “a, b or c”."""
    if key.startswith("_or_"):
        return format_choices([gettext(language, item) for item in value.split(CHOICES)], language)
    if key.startswith("or_"):
        quoted = gettext(language, QUOTED)
        return format_choices([quoted % {"text": item} for item in value.split(CHOICES)], language)
    return gettext(language, value) if key.startswith("_") else value


def _shown(file: Path, root: Path | None) -> str:
    """``file`` relative to ``root`` when it lies under it (as Path.relative_to, by string: a large content
    folder reports thousands of problems)."""
    name = str(file)
    if root is None:
        return name
    prefix = _folder_prefix(root)
    return name[len(prefix) :] if name.startswith(prefix) else name


@lru_cache(maxsize=16)
def _folder_prefix(root: Path) -> str:
    return os.path.join(str(root), "")


def to_record(problem: Problem) -> dict[str, object]:
    return {
        "file": str(problem.file),
        "line": problem.line,
        "path": list(problem.path),
        "message": problem.message,
        "params": problem.params,
        "severity": problem.severity,
        "reason": problem.reason,
        "in_draft": problem.in_draft,
    }


@lru_cache(maxsize=4096)
def _path(name: str) -> Path:
    return Path(name)  # a site's warnings share one file: build its Path once


def from_record(record: dict[str, object]) -> Problem:
    # The record is one this module wrote (``to_record``): its fields have the types Problem gives them.
    line = record["line"]
    return Problem(
        _path(str(record["file"])),
        line if isinstance(line, int) else None,
        tuple(cast("list[str | int]", record["path"])),
        str(record["message"]),
        dict(cast("dict[str, str]", record["params"])),
        "warning" if record["severity"] == "warning" else "error",
        str(record.get("reason", "")),
        bool(record.get("in_draft")),
    )


def sort_key(problem: Problem) -> tuple[str, int, str]:
    return (str(problem.file), problem.line or 0, format_path(problem.path))
