"""Turn pydantic's validation errors into problems with file, line and field.

Pydantic reports a path such as ``('dpo', 'Dpo', 'contact')`` where ``Dpo``
names the member of a union it tried. We walk the document beside the path to
drop such tags, keep the errors of the member that matches the shape of what
was written, and say each in the catalog's words.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .codes import N_
from .model import COUNTRY_PATTERN, EMAIL_PATTERN, IDENTIFIER_PATTERN, LANGUAGE_PATTERN, URL_PATTERN, Text
from .problems import Problem, choices
from .source import NO_COLON, UNCLOSED_QUOTE, FieldPath, SourceDocument
from .yaml_slips import COLON_IN_TEXT, UNCLOSED

_PATTERN_MESSAGES = {
    LANGUAGE_PATTERN: N_("use a language code such as fr or en"),
    IDENTIFIER_PATTERN: N_("an id uses lowercase letters, digits, - and _ only, e.g. appointments"),
    COUNTRY_PATTERN: N_("use a two-letter country code in capitals, e.g. FR or MA"),
    URL_PATTERN: N_("give a full web address starting with https://"),
    EMAIL_PATTERN: N_("this is not an email address"),
}


def _split_tags(data: Any, loc: tuple[Any, ...]) -> tuple[FieldPath, list[tuple[int, str]]]:
    """The real field path, and the union tags met on the way (with their depth)."""
    path: list[str | int] = []
    tags: list[tuple[int, str]] = []
    current = data
    for part in loc:
        if (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            current = current[part]
            path.append(part)
        elif isinstance(part, str) and (part[:1].isupper() or "[" in part or part in ("str", "int", "bool")):
            tags.append((len(path), part))
        else:
            path.append(part)  # a missing or unknown key: the path ends here
            current = None
    return tuple(path), tags


def _value_at(data: Any, path: FieldPath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "scalar"


# What a shape is called in a message (the literal codes of a union are listed by name instead).
_SHAPES = {
    "list": N_("a list (lines starting with “- ”)"),
    "mapping": N_("a group of fields (lines of “name: value”)"),
    "scalar": N_("a single value"),
}
# Pydantic quotes each accepted value in its English “'a', 'b' or 'c'”: the values alone are kept.
_QUOTED_VALUE = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _codes(ctx: dict[str, Any]) -> list[str]:
    """The codes a literal or enum error accepts, from pydantic's context."""
    expected = ctx.get("expected", "")
    if isinstance(expected, list):
        return [str(item) for item in expected]
    return _QUOTED_VALUE.findall(str(expected)) or [str(expected)]


def _tag_shape(tag: str) -> str:
    if tag.startswith("list["):
        return "list"
    if tag.startswith("dict[") or tag[:1].isupper():
        return "mapping"
    if tag.startswith("literal["):
        return "literal"
    return "scalar"


def _keep_matching_members(errors: list[dict[str, Any]], data: Any) -> list[dict[str, Any]]:
    """Among the members of a union, keep the errors of the one that fits what was written."""
    by_union: dict[tuple[FieldPath, int], dict[str, list[dict[str, Any]]]] = {}
    plain: list[dict[str, Any]] = []
    for error in errors:
        path, tags = _split_tags(data, error["loc"])
        error["path"] = path
        if not tags:
            plain.append(error)
            continue
        depth, tag = tags[0]
        by_union.setdefault((path[:depth], depth), {}).setdefault(tag, []).append(error)
    kept = plain
    for (union_path, _), members in by_union.items():
        written = _shape(_value_at(data, union_path))
        fitting = [t for t in members if _tag_shape(t) == written]
        if len(fitting) == 1:
            kept.extend(members[fitting[0]])
            continue
        # Nothing fits the shape: one message listing what is accepted.
        expected = sorted({_tag_shape(t) for t in members})
        literals = [c for t in members for e in members[t] if e["type"] == "literal_error" for c in _codes(e["ctx"])]
        kept.append(
            {
                "type": "union_shape",
                "path": union_path,
                "ctx": {"expected": literals or [_SHAPES[shape] for shape in expected if shape in _SHAPES]},
                "input": _value_at(data, union_path),
                "allowed": expected,
            }
        )
    return kept


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes a field annotation may hold."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, dict):
        return [m for arg in typing.get_args(annotation) for m in _unwrap(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _model_at(root: type[BaseModel], path: FieldPath) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    for part in path:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        candidates = _unwrap(field.annotation)
        model = candidates[0] if candidates else None
    return model


# Fields of an earlier format, with what to write instead.
MOVED_FIELDS = {
    "response_deadline": N_(
        "“response_deadline” has moved into each law: write the law's deadline as "
        "laws.<law>.deadline (months, extension_months, article), see content/README.md"
    ),
    "grants": N_(
        "“grants” has become “rights”: list every right the law grants, each with its article and "
        "explanation, see content/README.md"
    ),
}


def _is_text(root: type[BaseModel], path: FieldPath) -> bool:
    """Whether the field at ``path`` holds translated free text (model.Text)."""
    parent = _model_at(root, tuple(p for p in path[:-1] if not isinstance(p, int)))
    field = parent.model_fields.get(str(path[-1])) if parent and path and isinstance(path[-1], str) else None
    if field is None:
        return False
    annotation = field.annotation
    return annotation == Text or Text in typing.get_args(annotation)


def _text_example(path: FieldPath, written: str, languages: list[str]) -> str:
    """The field as it should be written (its lines indented as the field's own): what was written under the
    site's first language, the others to come."""
    shown = written if len(written) <= 50 else written[:49] + "…"
    lines = [f"{path[-1]}:"] + [f"  {language}: {shown if i == 0 else '…'}" for i, language in enumerate(languages)]
    return "".join(f"\n    {line}" for line in lines)


Message = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class _Mistake:
    """One validation error, with what its message needs to know about the notice's model and languages."""

    error: dict[str, Any]
    root: type[BaseModel]
    languages: list[str]

    @property
    def ctx(self) -> dict[str, Any]:
        return self.error.get("ctx") or {}

    @property
    def path(self) -> FieldPath:
        return tuple(self.error["path"])

    @property
    def written(self) -> str:
        return str(self.error.get("input"))


def _unknown_field(mistake: _Mistake) -> Message:
    name = str(mistake.path[-1])
    moved = MOVED_FIELDS.get(name)
    if moved:
        return moved, {}
    parent = _model_at(mistake.root, mistake.path[:-1])
    allowed = sorted(parent.model_fields) if parent else []
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        return N_("unknown field “%(name)s”: did you mean “%(suggestion)s”?"), {"name": name, "suggestion": close[0]}
    return N_("unknown field “%(name)s”: the fields allowed here are %(allowed)s"), {
        "name": name,
        "allowed": ", ".join(allowed),
    }


def _unknown_code(mistake: _Mistake) -> Message:
    return N_("“%(value)s” is not a known code here: use %(or_expected)s"), {
        "value": mistake.written,
        "or_expected": choices(_codes(mistake.ctx)),
    }


def _wrong_shape(mistake: _Mistake) -> Message:
    if "literal" in mistake.error["allowed"]:
        return N_("“%(value)s” is not accepted here: write %(or_expected)s, or give the details"), {
            "value": mistake.written,
            "or_expected": choices(mistake.ctx["expected"]),
        }
    return N_("this value has the wrong form: expected %(_or_expected)s"), {
        "_or_expected": choices(mistake.ctx["expected"])
    }


def _wrong_pattern(mistake: _Mistake) -> Message:
    message = _PATTERN_MESSAGES.get(str(mistake.ctx.get("pattern")))
    if message:
        return message, {}
    return N_("“%(value)s” does not have the expected form"), {"value": mistake.written}


def _not_a_group(mistake: _Mistake) -> Message:
    # A plain string where each language's text is needed: show the lines to write.
    if isinstance(mistake.error.get("input"), str) and _is_text(mistake.root, mistake.path):
        return N_(
            "this text is needed in each language of the site: write one line per language under “%(field)s:”, "
            "like this:%(example)s"
        ), {"field": str(mistake.path[-1]), "example": _text_example(mistake.path, mistake.written, mistake.languages)}
    return _FIXED_MESSAGES["model_type"], {}


def _too_long(mistake: _Mistake) -> Message:
    return N_("this is too long (at most %(limit)s)"), {"limit": str(mistake.ctx.get("max_length"))}


def _too_small(mistake: _Mistake) -> Message:
    return N_("this must be at least %(limit)s"), {"limit": str(mistake.ctx.get("ge", mistake.ctx.get("gt")))}


def _too_large(mistake: _Mistake) -> Message:
    return N_("this must be at most %(limit)s"), {"limit": str(mistake.ctx.get("le", mistake.ctx.get("lt")))}


def _unknown_consent_category(mistake: _Mistake) -> Message:
    return N_(
        "in google_consent_mode, each signal needs optional cookie categories of this site (declared in "
        "categories or used by a cookie); “%(category)s” is not one"
    ), {"category": str(mistake.ctx.get("category", ""))}


# Mistakes whose message needs nothing from what was written.
_FIXED_MESSAGES: dict[str, str] = {
    "missing": N_("this field is required"),
    "string_type": N_("expected text here"),
    "model_type": N_("expected a group of fields here (lines of “name: value”)"),
    "model_attributes_type": N_("expected a group of fields here (lines of “name: value”)"),
    "list_type": N_("expected a list here (lines starting with “- ”)"),
    "too_short": N_("this must not be empty"),
    "string_too_short": N_("this text must not be empty"),
    "raw_html": N_("raw HTML is not allowed: use Markdown instead (**bold**, [a link](https://…))"),
    "named_or_described": N_("give this controller a name, or describe who it is (described)"),
    "deadline_period": N_("give the deadline in months or in days, not both"),
    "duration": N_("write a duration such as “6 months”, “13 mois”, “30 minutes” or “1 year”"),
}

# Pydantic's families of error types (date_parsing, date_from_datetime_inexact, int_parsing…), by prefix.
_FIXED_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("date", N_("expected a date written YYYY-MM-DD, e.g. 2025-01-15")),
    ("int", N_("expected a whole number")),
    ("float", N_("expected a whole number")),
    ("bool", N_("expected true or false")),
)

# Mistakes whose message says what was written, or what is allowed there.
_DESCRIBED: dict[str, Callable[[_Mistake], Message]] = {
    "extra_forbidden": _unknown_field,
    "enum": _unknown_code,
    "literal_error": _unknown_code,
    "union_shape": _wrong_shape,
    "string_pattern_mismatch": _wrong_pattern,
    "dict_type": _not_a_group,
    "too_long": _too_long,
    "string_too_long": _too_long,
    "greater_than_equal": _too_small,
    "greater_than": _too_small,
    "less_than_equal": _too_large,
    "less_than": _too_large,
    "consent_mode_category": _unknown_consent_category,
}


def _describe(error: dict[str, Any], root: type[BaseModel], languages: list[str] | None = None) -> Message:
    kind: str = error["type"]
    describe = _DESCRIBED.get(kind)
    if describe is not None:
        return describe(_Mistake(error, root, languages or ["fr", "en"]))
    fixed = _FIXED_MESSAGES.get(kind) or next((m for prefix, m in _FIXED_BY_PREFIX if kind.startswith(prefix)), None)
    if fixed is not None:
        return fixed, {}
    return N_("this value is not valid (%(detail)s)"), {"detail": str(error.get("msg", kind))}


def validation_problems(doc: SourceDocument, error: ValidationError, root: type[BaseModel]) -> list[Problem]:
    raw = [dict(e) for e in error.errors(include_url=False)]
    written = doc.data.get("languages") if isinstance(doc.data, dict) else None
    languages = [str(w) for w in written] if isinstance(written, list) and written else None
    problems: list[Problem] = []
    seen: set[tuple[FieldPath, str]] = set()
    for item in _keep_matching_members(raw, doc.data):
        message, params = _describe(item, root, languages)
        key = (item["path"], message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(doc.path, doc.line_of(item["path"]), item["path"], message, params))
    return problems


# What the YAML parser (libyaml) says, and what a person editing the file should do about it: its own words are
# English and name parser states; the rest keep them, in the general message.
_YAML_PROBLEMS: dict[str, str] = {
    "mapping values are not allowed in this context": COLON_IN_TEXT,
    NO_COLON: N_(
        "this line is neither “field: value” nor part of the text above it: check its indentation, or put a long text in quotes"
    ),
    "did not find expected key": N_(
        "the indentation here does not match the lines above: the fields of one block start at the same column, and a list's items under their field"
    ),
    "found character that cannot start any token": N_(
        "a tab, or a character YAML reserves (@ or `), starts a value here: indent with spaces, and put such a text in quotes"
    ),
    UNCLOSED_QUOTE: UNCLOSED,
    "found undefined alias": N_("a value here refers (with *) to an anchor (&) that no line above defines"),
    "found unknown escape character": N_(
        "a backslash inside double quotes: use single quotes for this text, or write the backslash twice"
    ),
    "did not find expected node content": N_("a value is missing here"),
    "second occurrence": N_("this anchor (&) is already defined above: give each anchor its own name"),
}


def source_problem(path: Path, line: int | None, reason: str, params: dict[str, str] | None = None) -> Problem:
    kind, _, detail = reason.partition(":")
    if kind == "slip":  # found by privacy/yaml_slips.py: its message is a catalog id already
        return Problem(path, line, (), detail, params or {})
    if kind == "missing":
        return Problem(path, None, (), N_("this file does not exist: check the path"))
    if kind == "encoding":
        return Problem(path, None, (), N_("this file is not UTF-8 text: save it as UTF-8 in your editor"))
    if kind == "unreadable":
        return Problem(
            path, None, (), N_("this file cannot be read (%(detail)s): check its permissions"), {"detail": detail}
        )
    if detail in _YAML_PROBLEMS:
        return Problem(path, line, (), _YAML_PROBLEMS[detail])
    return Problem(
        path,
        line,
        (),
        N_("the YAML is malformed here (%(detail)s): check the indentation, colons and quotes"),
        {"detail": detail},
    )
