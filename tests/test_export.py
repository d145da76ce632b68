"""The JSON export's encoder (pydantic-core's) against the standard library's, on what a notice holds."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from privacy.export import _json, _resolve

# What model_dump(mode="json") gives for a notice: no floats (the model has none), text without lone surrogates.
TEXT = st.text(st.characters(exclude_categories=["Cs"]))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_the_export_encoder_writes_what_json_dumps_writes(value: Any) -> None:
    assert _json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(st.dictionaries(st.sampled_from(["fr", "en"]), TEXT, min_size=1), st.sampled_from(["fr", "en"]))
def test_text_given_per_language_is_picked(text: dict[str, str], language: str) -> None:
    picked = _resolve({"purpose": text, "list": [text]}, language, frozenset({"fr", "en"}))
    expected = text.get(language) or next(iter(text.values()))
    assert picked == {"purpose": expected, "list": [expected]}
