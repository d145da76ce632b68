"""What build.py's commands do, importable so tests call them directly."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import i18n
from .codes import N_
from .incremental import survey, up_to_date

if TYPE_CHECKING:
    from .pipeline import BuildResult

# The model, Jinja and the pipeline load lazily: "nothing changed" answers without them.
SCHEMA_FILES = {"notice.schema.json": "Notice", "registry.schema.json": "Registry"}


def _report(result: BuildResult, language: str, strict: bool) -> int:
    problems = result.problems
    errors = [p for p in problems if p.severity == "error" or (strict and p.severity == "warning" and not p.in_draft)]
    if problems:
        # One write: a large content folder reports thousands of warnings.
        here = Path.cwd()
        sys.stderr.write("".join(problem.render(language, here) + "\n" for problem in problems))
    summary = i18n.gettext(language, N_("%(errors)d error(s), %(warnings)d warning(s) in %(sites)d site(s)")) % {
        "errors": len([p for p in problems if p.severity == "error"]),
        "warnings": len([p for p in problems if p.severity == "warning"]),
        "sites": result.sites_total,
    }
    print(summary, file=sys.stderr)
    return 1 if errors else 0


def run_check(content: Path, language: str, strict: bool) -> int:
    from .pipeline import check

    return _report(check(content), i18n.supported_language(language), strict)


def run_build(content: Path, out: Path, base_url: str | None, language: str) -> int:
    language = i18n.supported_language(language)
    found = survey(content, out, base_url)
    if up_to_date(found, out) and found.previous is not None:
        warnings = sum(len(record.warnings) for record in found.previous.sites.values())
        done = i18n.gettext(
            language,
            N_(
                "nothing changed since the last build: %(out)s is up to date (%(warnings)d warning(s); python build.py check shows them)"
            ),
        )
        print(done % {"out": out, "warnings": warnings}, file=sys.stderr)
        return 0
    from .pipeline import build

    result = build(content, out, base_url, found=found)
    status = _report(result, language, strict=False)
    if status == 0:
        done = i18n.gettext(
            language, N_("built %(pages)d page(s) into %(out)s: %(rendered)d site(s) rendered, %(kept)d unchanged")
        )
        print(
            done
            % {
                "pages": len(result.pages),
                "out": out,
                "rendered": result.rendered,
                "kept": result.sites_total - result.rendered,
            },
            file=sys.stderr,
        )
    else:
        print(i18n.gettext(language, N_("nothing was published: the previous output is unchanged")), file=sys.stderr)
    return status


def run_watch(content: Path, out: Path, base_url: str | None, language: str, interval: float = 0.3) -> int:
    """Rebuild whenever a content file, template or catalog changes, until interrupted."""
    import time

    from .incremental import Survey, load_manifest, shared_fingerprint, site_hashes
    from .pipeline import build
    from .render import Renderer

    language = i18n.supported_language(language)
    renderer = Renderer(cache_dir=out.with_name(f".{out.name}-cache"))
    seen: tuple[str, dict[str, str | None]] | None = None
    print(
        i18n.gettext(language, N_("watching %(content)s; press Ctrl+C to stop")) % {"content": content}, file=sys.stderr
    )
    try:
        while True:
            state = (shared_fingerprint(content, base_url), site_hashes(content))
            if state != seen:
                if seen is not None and state[0] != seen[0]:
                    renderer = Renderer(cache_dir=renderer.cache_dir)  # templates or catalogs changed
                seen = state
                started = time.perf_counter()
                result = build(content, out, base_url, renderer=renderer, found=Survey(*state, load_manifest(out)))
                _report(result, language, strict=False)
                if result.ok:
                    done = i18n.gettext(language, N_("rebuilt %(rendered)d site(s) in %(seconds).2f s"))
                    print(
                        done % {"rendered": result.rendered, "seconds": time.perf_counter() - started}, file=sys.stderr
                    )
            time.sleep(interval)
    except KeyboardInterrupt:
        return 0


def schema_text(name: str) -> str:
    from . import model

    return json.dumps(model.json_schema(getattr(model, SCHEMA_FILES[name])), indent=2, ensure_ascii=False) + "\n"


def run_schema(content: Path) -> int:
    """Write the JSON Schemas that editors use to check content files as people type."""
    for name in SCHEMA_FILES:
        (content / name).write_text(schema_text(name), encoding="utf-8")
        print(content / name, file=sys.stderr)
    (content / "README.md").write_text(codes_reference(), encoding="utf-8")
    print(content / "README.md", file=sys.stderr)
    return 0


def codes_reference() -> str:
    """content/README.md: every code legal staff may write, with its English wording."""
    from .codes import Code, all_codes

    lines = [
        "# Codes used in policy.yaml",
        "",
        "Generated by `python build.py schema` from `privacy/codes.py`; do not edit by hand.",
        "Each code's wording in every language comes from the catalogs in `locales/`.",
    ]
    groups: dict[str, list[Code]] = {}
    for code, _ in all_codes():
        groups.setdefault(type(code).__name__, []).append(code)
    for group, codes in groups.items():
        lines += ["", f"## {group}", "", "| code | meaning |", "| --- | --- |"]
        lines += [f"| `{code.value}` | {code.label} |" for code in codes]
    return "\n".join(lines) + "\n"
