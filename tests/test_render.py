"""The templates' output escaping: Jinja's code generator is ours (see render._EscapingCodeGenerator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from privacy.render import PAGE_TEMPLATES, Renderer, _escape_output


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


def _compiled_by(
    renderer: Renderer, languages: list[str], turn: int, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, str]]:
    """(language, template) for each template ``renderer.warm_up`` compiled rather than loaded, in order."""
    compiled: list[tuple[str, str]] = []
    compile_template = jinja2.Environment.compile

    def spy(env: jinja2.Environment, source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append((str(env.globals["language"]), str(name)))
        return compile_template(env, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    renderer.warm_up(languages, turn)
    monkeypatch.undo()
    return compiled


def test_warm_up_starts_with_its_own_language_and_loads_what_another_worker_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _compiled_by(Renderer(cache_dir=tmp_path), ["en", "fr"], 1, monkeypatch)
    assert first[0] == ("fr", "notice.html") and first[-1] == ("en", "notice.html")
    assert len(first) == 2 * len(PAGE_TEMPLATES)
    assert _compiled_by(Renderer(cache_dir=tmp_path), ["en", "fr"], 0, monkeypatch) == []


def test_warm_up_leaves_a_broken_template_to_the_page_that_uses_it(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "notice.html").write_text("{% if %}", encoding="utf-8")
    renderer = Renderer(templates_dir=templates, cache_dir=tmp_path / "cache")
    renderer.warm_up(["en"], 0)
    with pytest.raises(jinja2.TemplateSyntaxError):
        renderer.render("en", "notice.html")


def test_templates_compile_to_our_escape() -> None:
    # Were a Jinja release to stop calling the method the generator overrides, pages would still be escaped
    # (by Jinja's own escape), only slower: this says so.
    renderer = Renderer()
    source = "<p>{{ text }}</p>"
    assert "environment.escape_output(" in renderer._env("en").compile(source, raw=True)


def test_a_period_in_a_sentence_reads_as_each_language_writes_it() -> None:
    import html

    from privacy.model import Deadline

    renderer = Renderer()
    env_fr, env_en = renderer._env("fr"), renderer._env("en")
    template = '{{ _("We answer within %(period)s of receiving your request.", period=d|period) }}'
    one, two, days = Deadline(months=1), Deadline(months=2), Deadline(days=8)

    def fr(deadline: Deadline) -> str:
        return html.unescape(env_fr.from_string(template).render(d=deadline))

    assert fr(one) == "Nous répondons dans un délai d'un mois à compter de la réception de votre demande."
    assert env_en.from_string(template).render(d=one) == "We answer within one month of receiving your request."
    assert fr(two).startswith("Nous répondons dans un délai de 2") and fr(days).startswith(
        "Nous répondons dans un délai de 8"
    )
