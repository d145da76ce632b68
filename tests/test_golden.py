"""One small site built and compared, file by file, with a committed copy.

After an intended change of the output: ``UPDATE_GOLDEN=1 make test`` rewrites
tests/golden/public; review the diff before committing it.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path
from typing import Any

from privacy.pipeline import build
from tests.factories import minimal_notice, optional_cookies, write_content

GOLDEN = Path(__file__).resolve().parent / "golden" / "public"


def golden_notice() -> dict[str, Any]:
    return minimal_notice(
        title={"fr": "Protection de vos données", "en": "Protecting your data"},
        introduction={"fr": "Une **petite** clinique.", "en": "A **small** clinic."},
        changelog=[
            {"version": "0.9", "date": "2024-06-01", "changes": {"fr": "Première version.", "en": "First version."}}
        ],
        cookies=optional_cookies(),
    )


def files(root: Path) -> dict[str, bytes]:
    """The published files; the build's own record (.build/) fingerprints the code, so it is left out."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".build" not in p.relative_to(root).parts
    }


def test_golden_output(tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = build(
        write_content(tmp_path / "content", {"clinique": golden_notice()}), out, base_url="https://golden.example/"
    )
    assert result.ok
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN, ignore=shutil.ignore_patterns(".build"))
    expected, actual = files(GOLDEN), files(out)
    assert sorted(actual) == sorted(expected)
    for name, body in expected.items():
        if actual[name] != body:
            diff = difflib.unified_diff(
                body.decode().splitlines(),
                actual[name].decode().splitlines(),
                f"golden/{name}",
                f"built/{name}",
                lineterm="",
                n=1,
            )
            raise AssertionError("\n".join(list(diff)[:60]))
