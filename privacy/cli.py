"""What build.py's commands do, importable so tests call them directly."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import i18n
from .codes import N_
from .command_line import build_command, documented_command
from .incremental import survey, up_to_date

if TYPE_CHECKING:
    from .pipeline import BuildResult
    from .problems import Problem

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
                "nothing changed since the last build: %(out)s is up to date (%(warnings)d warning(s); %(command)s check shows them)"
            ),
        )
        print(done % {"out": out, "warnings": warnings, "command": build_command()}, file=sys.stderr)
        return 0
    from datetime import date

    from .pipeline import build

    result = build(content, out, base_url, found=found, archive_on=date.today())
    status = _report(result, language, strict=False)
    for site_id, version in result.archived:
        _say(
            language,
            N_("archived version %(version)s of %(site)s in %(folder)s: commit it with the content"),
            version=version,
            site=site_id,
            folder=content / site_id / "versions",
        )
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
        f"Generated by `{documented_command('build.py')} schema` from `privacy/codes.py`; do not edit by hand.",
        "Each code's wording in every language comes from the catalogs in `locales/`.",
    ]
    groups: dict[str, list[Code]] = {}
    for code, _ in all_codes():
        groups.setdefault(type(code).__name__, []).append(code)
    for group, codes in groups.items():
        lines += ["", f"## {group}", "", "| code | meaning |", "| --- | --- |"]
        lines += [f"| `{code.value}` | {code.label} |" for code in codes]
    return "\n".join(lines) + "\n"


def _say(language: str, message: str, **params: object) -> None:
    text = i18n.gettext(language, message)
    print(text % params if params else text, file=sys.stderr)


def _register_refusal(chosen: str, out: Path | None, site_ids: list[str]) -> tuple[str, dict[str, object]] | None:
    """What is wrong with the command line of ``register``, as a message and its parameters; None when nothing."""
    from .spreadsheets import FORMATS

    if chosen not in FORMATS:
        return N_("unknown format “%(form)s”: choose one of %(formats)s"), {
            "form": chosen,
            "formats": ", ".join(FORMATS),
        }
    if chosen == "csv" and len(site_ids) > 1:
        return N_("a CSV file holds one site's record: choose it with --site (sites: %(known)s)"), {
            "known": ", ".join(site_ids)
        }
    if chosen in ("xlsx", "ods") and out is None:
        return N_("the %(form)s format writes a file: give its path with --out"), {"form": chosen.upper()}
    return None


def run_register(
    content: Path, site_id: str | None, language: str, register_language: str | None, form: str | None, out: Path | None
) -> int:
    """Write the record of processing activities of one site, or of every site, in one file."""
    from .content import load_content
    from .law import jurisdiction
    from .register import NoRecord, build_register
    from .register import register_language as language_of
    from .render import Renderer
    from .spreadsheets import Format, csv_text, html_text, write
    from .versions import activity_dates

    language = i18n.supported_language(language)
    chosen = form or (out.suffix.lstrip(".").lower() if out is not None and out.suffix else "csv")
    loaded = load_content(content)
    # A register drawn from a file with errors would leave out what the file failed to say.
    if loaded.errors:
        return _report_content(loaded.problems, language)
    wanted = [s for s in loaded.sites if site_id in (None, s.id)]
    if not wanted:
        known = ", ".join(s.id for s in loaded.sites) or "—"
        _say(
            language,
            N_("no site “%(site)s” in %(content)s (sites: %(known)s)"),
            site=site_id or "",
            content=content,
            known=known,
        )
        return 2
    refusal = _register_refusal(chosen, out, [s.id for s in wanted])
    if refusal is not None:
        _say(language, refusal[0], **refusal[1])
        return 2
    renderer = Renderer()
    registers = []
    for site in wanted:
        law = jurisdiction(site.notice, loaded.registry)
        try:
            registers.append(
                build_register(
                    site, law, language_of(site, register_language), renderer, activity_dates(content / site.id)
                )
            )
        except NoRecord as missing:
            role = i18n.gettext(language, site.notice.role.label).lower()
            _say(language, NoRecord.message, laws=missing.args[0], role=role)
            return 1
    if out is None:
        sys.stdout.write(csv_text(registers[0]) if chosen == "csv" else html_text(registers, renderer))
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    form_: Format = chosen  # type: ignore[assignment]  # one of FORMATS, checked above
    write(registers, out, form_, renderer)
    sites = ", ".join(r.site_id for r in registers)
    _say(language, N_("wrote the record of processing activities of %(sites)s to %(out)s"), sites=sites, out=out)
    return 0


def _report_content(problems: list[Problem], language: str) -> int:
    here = Path.cwd()
    sys.stderr.write("".join(problem.render(language, here) + "\n" for problem in problems))
    _say(language, N_("nothing was written: correct the errors above first"))
    return 1


def run_diff(content: Path, site_id: str | None, old: str | None, new: str | None, language: str) -> int:
    """What changed between two versions of a site's notice (default: its last published one and policy.yaml)."""
    from .changes import compare
    from .history import change_rows
    from .versions import POLICY_FILE, ArchiveError, archived, notice_data

    language = i18n.supported_language(language)
    folder = content / (site_id or "")
    if not site_id or not (folder / POLICY_FILE).is_file():
        _say(
            language,
            N_("give the site with --site: one of %(known)s"),
            known=", ".join(sorted(p.parent.name for p in content.glob(f"*/{POLICY_FILE}"))) or "—",
        )
        return 2
    try:
        versions = {v.id: v.file for v in archived(folder)}
    except ArchiveError as error:
        _say(language, N_("the archive of published versions cannot be read: %(detail)s"), detail=str(error))
        return 1
    files = {**versions, "current": folder / POLICY_FILE}
    ids = list(versions)
    current = notice_data(folder / POLICY_FILE)
    if old is None:
        unchanged = bool(ids) and notice_data(versions[ids[-1]]) == current
        candidates = ids[:-1] if unchanged else ids
        if not candidates:
            _say(language, N_("%(site)s has no earlier published version to compare with"), site=site_id)
            return 0
        old = candidates[-1]
    new = new or "current"
    unknown = [v for v in (old, new) if v not in files]
    if unknown:
        _say(
            language,
            N_("no version “%(version)s” of %(site)s (versions: %(known)s)"),
            version=unknown[0],
            site=site_id,
            known=", ".join([*ids, "current"]),
        )
        return 2
    changes = compare(notice_data(files[old]), notice_data(files[new]))
    said = i18n.gettext
    print(
        said(language, N_("What changed in %(site)s from %(old)s to %(new)s:"))
        % {"site": site_id, "old": old, "new": new}
    )
    if not changes.changes:
        print(said(language, N_("nothing a reader is told about")))
    for row in change_rows(changes, language):
        tag = said(language, N_("significant") if row["significant"] else N_("editorial"))
        print(f"  [{tag}] {row['section']}{said(language, ':')} {row['subject']} — {row['kind']}")
    if changes.significant:
        print(
            said(
                language,
                N_("Significant changes: tell people before they apply; a new optional cookie asks for consent again."),
            )
        )
    return 0
