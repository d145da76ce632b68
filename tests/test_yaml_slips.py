"""The common YAML slips of legal staff, reported on the line they typed wrong, with what to type instead."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from privacy.content import POLICY_FILE, load_content
from privacy.problems import Problem
from privacy.yaml_slips import find_slip
from tests.factories import EXAMPLE_CONTENT

SITE = "ihu-imagerie"


def _slipped(tmp_path: Path, line: int, old: str, new: str) -> tuple[Problem, list[str]]:
    """The shipped site with one line of its policy.yaml changed, as legal staff would slip; its only problem."""
    root = tmp_path / "content"
    shutil.copytree(EXAMPLE_CONTENT, root)
    path = root / SITE / POLICY_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    assert old in lines[line - 1], lines[line - 1]  # the slip is made where the test says
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = [p for p in load_content(root).errors if p.file == path]
    assert len(errors) == 1, [p.render("en") for p in errors]
    return errors[0], lines


@pytest.mark.parametrize(
    ("line", "old", "new", "at", "says"),
    [
        # The three slips the issue names: an en: one space too far, an unclosed quote, a dash without its space.
        (9, "  en:", "   en:", 9, "indented further than “fr:” on line 8"),
        (13, "name: ", 'name: "', 13, "a quote opens on this line and is not closed on it"),
        (58, "- id", "-id", 58, "write “- id:”, not “-id:”"),
        # And their neighbours.
        (9, "  en:", " en:", 9, "line it up with “fr:” (line 8, column 3) or with “title:” (line 7, column 1)"),
        (
            16,
            "    en:",
            "   en:",
            16,
            "line it up with “fr:” (line 15, column 5) or with “legal_form:” (line 14, column 3)",
        ),
        (15, "fr: ", "fr: '", 15, "the text in quotes ends early on this line"),
        (21, '"67091"', '"67091', 21, "YAML reads on to the next quote, on line 34"),
        (200, "email: ", "email:", 200, "put a space after the colon of “email:”"),
        (16, "en: ", "en: Note: ", 16, "contains “: ”"),
        (
            58,
            "  - id",
            "   - id",
            59,
            "line it up with “- id:” (line 58, column 4) or with “people:” (line 57, column 1)",
        ),
    ],
)
def test_a_slip_is_named_on_the_line_it_was_made(
    tmp_path: Path, line: int, old: str, new: str, at: int, says: str
) -> None:
    # ``at`` is the line the message is on: the slip's own, or the next one when only both together are wrong.
    problem, _ = _slipped(tmp_path, line, old, new)
    assert problem.line == at and says in problem.text("en"), problem.render("en")
    assert problem.text("fr") != problem.text("en")  # said in French too


def test_the_misplaced_line_is_reported_not_the_one_the_parser_stopped_at(tmp_path: Path) -> None:
    # libyaml stops at line 21 (where the next quote opens) and at line 59 (the next dash): the slips are 13 and 58.
    quote, _ = _slipped(tmp_path / "a", 13, "name: ", 'name: "')
    dash, _ = _slipped(tmp_path / "b", 58, "- id", "-id")
    assert (quote.line, quote.params) == (13, {"end": "21"})
    assert dash.line == 58
    assert "tiret" in dash.text("fr")


KEYS = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
VALUES = st.recursive(
    st.one_of(st.text(min_size=0, max_size=20), st.integers(), st.booleans(), st.none()),
    lambda inner: st.lists(inner, min_size=1, max_size=3) | st.dictionaries(KEYS, inner, min_size=1, max_size=3),
    max_leaves=15,
)


@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=4), st.sampled_from([None, 60]))
@example({"a": ["a:0"]}, None)  # a list item that is a text with a colon in it, once taken for a slip
def test_valid_yaml_has_no_slip(data: dict[str, object], width: int | None) -> None:
    # Whatever PyYAML writes parses: no slip may be seen in it (nor in the shipped files, below).
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=width)
    assert find_slip(text, None) is None, text


def test_the_shipped_files_have_no_slip() -> None:
    for path in sorted(EXAMPLE_CONTENT.glob("**/*.yaml")):
        assert find_slip(path.read_text(encoding="utf-8"), None) is None, path
