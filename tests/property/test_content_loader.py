"""Whatever a policy.yaml holds, loading it gives problems a person can act on, or a valid notice: never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.content import Content, load_content
from privacy.model import Notice
from privacy.problems import Problem
from tests.factories import minimal_notice, write_content
from tests.property.strategies import mutated, yaml_values

# Fixed examples, no example database: CI and a developer see the same cases.
BOUNDED = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def _load(document: dict[str, Any] | str) -> Content:
    with tempfile.TemporaryDirectory(prefix="prop-content-") as tmp:
        root = write_content(Path(tmp) / "content", {"clinique": document})
        return load_content(root)


def _assert_outcome(content: Content) -> None:
    for problem in content.problems:
        assert isinstance(problem, Problem)
        assert problem.file.name in ("policy.yaml", "_registry.yaml", "content"), problem
        assert problem.line is None or problem.line >= 1, problem
        assert isinstance(problem.path, tuple), problem
        for language in ("fr", "en"):
            assert problem.text(language).strip(), problem
            problem.render(language, content.root)
    if content.errors:
        assert content.site("clinique") is None
    else:
        site = content.site("clinique")
        assert site is not None and isinstance(site.notice, Notice)


@BOUNDED
@given(yaml_values())
def test_any_yaml_document_gives_problems_or_a_notice(document: Any) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    content = _load(text)
    _assert_outcome(content)
    assert content.errors, "a random document should not pass as a notice"


@BOUNDED
@given(st.text(max_size=300))
def test_any_text_gives_problems_or_a_notice(text: str) -> None:
    _assert_outcome(_load(text))


# Found by the property above: YAML refuses control characters before parsing starts, and that
# refusal escaped read_yaml as a traceback.
@pytest.mark.parametrize("text", ["\x1f", "title: \x00", "languages: [fr]\x7f"])
def test_a_control_character_is_a_problem_not_a_traceback(text: str) -> None:
    _assert_outcome(_load(text))


@BOUNDED
@given(mutated(minimal_notice()))
def test_a_mutated_notice_gives_problems_or_a_notice(notice: dict[str, Any]) -> None:
    _assert_outcome(_load(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False)))


def test_the_unmutated_notice_loads() -> None:
    # The property above is only meaningful if its starting point is a valid notice.
    content = _load(minimal_notice())
    assert not content.errors
    _assert_outcome(content)
