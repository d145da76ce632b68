"""The templates' output escaping: Jinja's code generator is ours (see render._EscapingCodeGenerator)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from privacy.render import Renderer, _escape_output


class _Html:
    def __init__(self, text: str) -> None:
        self.text = text

    def __html__(self) -> str:
        return self.text


@given(st.one_of(st.text(), st.integers(), st.text().map(Markup), st.text().map(_Html), st.none()))
def test_escape_output_writes_what_markupsafe_escape_writes(value: object) -> None:
    assert _escape_output(value) == str(escape(value))


@given(st.text())
def test_a_template_escapes_text_and_keeps_markup(text: str) -> None:
    templates = Path(__file__).resolve().parent / "templates-escaping"
    renderer = Renderer(templates_dir=templates)
    page = renderer.render("en", "page.html", text=text, markup=Markup("<b>kept</b>"))
    assert page == f"<p>{escape(text)}</p><p><b>kept</b></p><p>{escape(text)}</p>"
