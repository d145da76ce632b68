"""What build.py's commands do, importable so tests call them directly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import i18n
from .codes import N_
from .model import Notice, Registry, json_schema
from .pipeline import BuildResult, build, check


SCHEMAS = {"notice.schema.json": Notice, "registry.schema.json": Registry}


def _language(requested: str) -> str:
    return requested if requested in i18n.available_languages() else i18n.SOURCE_LANGUAGE


def _report(result: BuildResult, language: str, strict: bool) -> int:
    problems = result.problems
    errors = [p for p in problems if p.severity == "error" or strict]
    for problem in problems:
        print(problem.render(language, Path.cwd()), file=sys.stderr)
    summary = i18n.gettext(language, N_("%(errors)d error(s), %(warnings)d warning(s) in %(sites)d site(s)")) % {
        "errors": len([p for p in problems if p.severity == "error"]),
        "warnings": len([p for p in problems if p.severity == "warning"]),
        "sites": len(result.content.sites),
    }
    print(summary, file=sys.stderr)
    return 1 if errors else 0


def run_check(content: Path, language: str, strict: bool) -> int:
    return _report(check(content), _language(language), strict)


def run_build(content: Path, out: Path, base_url: str | None, language: str) -> int:
    language = _language(language)
    result = build(content, out, base_url)
    status = _report(result, language, strict=False)
    if status == 0:
        done = i18n.gettext(language, N_("built %(pages)d page(s) into %(out)s"))
        print(done % {"pages": len(result.pages), "out": out}, file=sys.stderr)
    else:
        print(i18n.gettext(language, N_("nothing was published: the previous output is unchanged")), file=sys.stderr)
    return status


def schema_text(model: type) -> str:
    return json.dumps(json_schema(model), indent=2, ensure_ascii=False) + "\n"


def run_schema(content: Path) -> int:
    """Write the JSON Schemas that editors use to check content files as people type."""
    for name, model in SCHEMAS.items():
        (content / name).write_text(schema_text(model), encoding="utf-8")
        print(content / name, file=sys.stderr)
    return 0


