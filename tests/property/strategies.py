"""Hypothesis strategies shared by the property tests: YAML-able values and notice mutations."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

# Text that YAML, HTML and gettext find awkward: quotes, %, braces, markup, control and non-Latin characters.
AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "%",
        "%(id)s",
        "%s",
        "{",
        "}",
        "<b>",
        "</p>",
        "&amp;",
        "\\",
        '"',
        "'",
        ":",
        "- ",
        "#",
        "\n",
        "\t",
        "\u00a0",
        "é",
        "日本",
        "\U0001f600",
        "null",
        "~",
        "yes",
        "1e3",
        "0x1F",
        "2025-02-30",
        "../../etc/passwd",
        "javascript:alert(1)",
    ]
)
TEXT = st.one_of(st.text(max_size=40), AWKWARD)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.dates(),
)


def yaml_values(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Arbitrary nested mappings and lists of scalars, as a YAML document may hold."""
    return st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(st.one_of(TEXT, st.integers(-5, 5)), children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, notice: dict[str, Any]) -> dict[str, Any]:
    """A valid notice with one to three fields replaced, removed, or joined by an unknown key."""
    result = copy.deepcopy(notice)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(result) if p]
        if not paths or not isinstance(result, dict):
            break
        path = draw(st.sampled_from(paths))
        parent: Any = result
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(yaml_values(max_leaves=8))
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(TEXT)] = draw(yaml_values(max_leaves=4))
        else:
            parent.append(draw(yaml_values(max_leaves=4)))
    return result
