"""Lighthouse (the npm package, in node_modules) on pages served on loopback, in Debian's Chromium.

chrome-launcher, which Lighthouse drives Chromium with, takes the browser from CHROME_PATH: no browser is ever
downloaded. A missing tool fails the test, as every quality gate of tests/support/quality.py does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.quality import CHROMIUM, CHROMIUM_ARGS, INSTALL_HINT, NODE_MODULES, ROOT

LIGHTHOUSE = NODE_MODULES / "lighthouse" / "package.json"
RUNNER = Path(__file__).with_name("lighthouse.mjs")
# A bound on one run of several pages, not a measure: a page takes some 10 to 30 s on a loaded machine.
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Audit:
    category: str
    id: str
    title: str
    score: float


@dataclass(frozen=True)
class Report:
    """One page's scores (0 to 1) by category, and the audits that count towards them and failed."""

    scores: dict[str, float]
    failed: list[Audit]

    def failures(self, category: str) -> str:
        """What failed in ``category``, each audit by id and title: what a failed assertion should say."""
        return "; ".join(f"{a.id}: {a.title} ({a.score:g})" for a in self.failed if a.category == category)


def lighthouse(urls: Iterable[str], categories: Iterable[str] = ("seo",)) -> dict[str, Report]:
    """Lighthouse's categories for each page, all in one Chromium."""
    node = shutil.which("node")
    for ok, what in (
        (node is not None, "node (Node.js)"),
        (LIGHTHOUSE.is_file(), "Lighthouse (node_modules/lighthouse)"),
        (os.access(CHROMIUM, os.X_OK), f"Chromium ({CHROMIUM})"),
    ):
        if not ok:
            pytest.fail(f"{what} is missing: {INSTALL_HINT}", pytrace=False)
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    run = subprocess.run(
        [str(node), str(RUNNER), ",".join(categories), flags, *urls],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if run.returncode != 0:
        pytest.fail(f"Lighthouse did not run (exit {run.returncode}): {run.stderr[-3000:]}", pytrace=False)
    reports = {}
    for url, page in json.loads(run.stdout).items():
        if page["error"]:
            pytest.fail(f"Lighthouse could not audit {url}: {page['error']}", pytrace=False)
        reports[url] = Report(
            # No score at all (every audit failed to run) counts as nothing achieved.
            {name: float(score or 0) for name, score in page["categories"].items()},
            [Audit(**audit) for audit in page["failed"]],
        )
    return reports
