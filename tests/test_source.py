"""Reading YAML with the line of every value: keys, merges, duplicates."""

from __future__ import annotations

from pathlib import Path

from privacy.source import read_yaml


def test_every_value_keeps_the_line_of_its_key(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(
        "publisher:\n  name:\n    fr: Clinique\n    en: Clinic\nprocessing:\n  - id: care\n    retention: 10 years\n",
        encoding="utf-8")
    doc = read_yaml(tmp_path / "policy.yaml")
    assert doc.data == {"publisher": {"name": {"fr": "Clinique", "en": "Clinic"}},
                        "processing": [{"id": "care", "retention": "10 years"}]}
    assert doc.line_of(("publisher", "name")) == 2  # the key's line, not its nested value's
    assert doc.line_of(("publisher", "name", "en")) == 4
    assert doc.line_of(("processing", 0, "retention")) == 7
    assert doc.line_of(("processing", 3, "missing")) == 5  # the deepest part that exists


def test_merge_keys_typed_keys_and_duplicates(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(
        "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n=: v\nyes: 1\n2: two\nbase: again\n", encoding="utf-8")
    doc = read_yaml(tmp_path / "policy.yaml")
    assert doc.data["other"] == {"x": 1, "y": 3}
    assert doc.data["="] == "v" and doc.data[True] == 1 and doc.data[2] == "two"
    assert doc.duplicate_keys == [(("base",), 8)]  # overriding a merged key (other.y) is no slip
