"""Reading YAML with the line of every value: keys, merges, duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from privacy.source import read_yaml


def test_every_value_keeps_the_line_of_its_key(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(
        "publisher:\n  name:\n    fr: Clinique\n    en: Clinic\nprocessing:\n  - id: care\n    retention: 10 years\n",
        encoding="utf-8",
    )
    doc = read_yaml(tmp_path / "policy.yaml")
    assert doc.data == {
        "publisher": {"name": {"fr": "Clinique", "en": "Clinic"}},
        "processing": [{"id": "care", "retention": "10 years"}],
    }
    assert doc.line_of(("publisher", "name")) == 2  # the key's line, not its nested value's
    assert doc.line_of(("publisher", "name", "en")) == 4
    assert doc.line_of(("processing", 0, "retention")) == 7
    assert doc.line_of(("processing", 3, "missing")) == 5  # the deepest part that exists


def test_merge_keys_typed_keys_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(
        "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n=: v\nyes: 1\n2: two\nbase: again\n", encoding="utf-8"
    )
    doc = read_yaml(tmp_path / "policy.yaml")
    assert doc.data["other"] == {"x": 1, "y": 3}
    assert doc.data["="] == "v" and doc.data[True] == 1 and doc.data[2] == "two"
    assert doc.duplicate_keys == [(("base",), 8)]  # overriding a merged key (other.y) is no slip


def test_a_duplicate_is_reported_where_it_is_written_not_where_an_alias_repeats_it(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(
        "x: &m {<<: {a: 1}, a: 2, b: 3, b: 4}\ny: *m\nz:\n  - {k: 1, k: 2}\nw: {<<: [{q: 1}, {q: 2}]}\n",
        encoding="utf-8",
    )
    doc = read_yaml(tmp_path / "policy.yaml")
    assert doc.data["y"] == {"a": 2, "b": 4} and doc.data["w"] == {"q": 1}
    assert doc.duplicate_keys == [(("x", "b"), 1), (("z", 0, "k"), 4)]  # two merges sharing a key: no slip
    assert doc.line_of(("y", "b")) == 1 and doc.line_of(("z", 0, "k")) == 4


KEYS = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(
    lambda k: k not in ("y", "n", "yes", "no", "on", "off", "true", "false", "null")
)
TREES = st.recursive(
    st.text("abc xyz", max_size=8),
    lambda inner: st.lists(inner, min_size=1, max_size=3) | st.dictionaries(KEYS, inner, min_size=1, max_size=3),
    max_leaves=12,
)


def _key_paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in [(*path, key), *_key_paths(item, (*path, key))]]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _key_paths(item, (*path, index))]
    return []


@given(st.dictionaries(KEYS, TREES, min_size=1, max_size=4))
def test_each_key_is_found_on_its_own_line(tmp_path_factory: pytest.TempPathFactory, data: dict[str, Any]) -> None:
    path = tmp_path_factory.mktemp("yaml") / "policy.yaml"
    path.write_text(yaml.safe_dump(data, default_flow_style=False, sort_keys=False), encoding="utf-8")
    doc = read_yaml(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert doc.data == data
    for key_path in _key_paths(data):
        line = doc.line_of(key_path)
        assert line is not None
        assert lines[line - 1].lstrip(" -").startswith(f"{key_path[-1]}:"), (key_path, line)
