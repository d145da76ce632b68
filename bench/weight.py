"""Weight benchmark: gzipped size of the consent widget and of a notice page's whole transfer.

    python -m bench weight [--public DIR]

Without --public, the example content is built into a temporary folder first.
Sizes are gzip at level 6 (gzip's and most servers' default).
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from . import record

REPO = Path(__file__).resolve().parent.parent
TARGET_WIDGET_BYTES = 5 * 1024
TARGET_PAGE_BYTES = 30 * 1024


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


class _Subresources(HTMLParser):
    """Same-origin stylesheets and scripts a page loads (images are data: URLs here)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.found.append(a["href"] or "")
        elif tag == "script" and a.get("src"):
            self.found.append(a["src"] or "")


def page_transfer(page: Path, public: Path) -> dict[str, Any]:
    html = page.read_bytes()
    parser = _Subresources()
    parser.feed(html.decode("utf-8"))
    parts = {"html": gzipped(html)}
    for href in parser.found:
        if "://" in href or href.startswith(("data:", "//")):
            continue
        target = (public / href.lstrip("/")) if href.startswith("/") else (page.parent / href)
        target = target.resolve()
        if target.is_file():
            parts[target.relative_to(public.resolve()).as_posix()] = gzipped(target.read_bytes())
    return {"page": page.relative_to(public).as_posix(), "parts": parts, "total": sum(parts.values())}


def widget_files(public: Path) -> list[Path]:
    """What every page loads of the widget as published (assets/consent.<hash>.js|css), else its sources."""
    built = sorted((public / "assets").glob("consent.*.js")) + sorted((public / "assets").glob("consent.*.css"))
    if built:
        return built
    return [REPO / "widget" / "consent.js", REPO / "widget" / "consent.css"]


def lazy_parts(public: Path) -> dict[str, int]:
    """The parts loaded only on the pages that need them (placeholders, Google Consent Mode), gzipped."""
    found = sorted((public / "assets").glob("consent-*.*.js")) or sorted((REPO / "widget").glob("consent-*.js"))
    return {p.name: gzipped(p.read_bytes()) for p in found}


def measure(public: Path) -> dict[str, Any]:
    widget = widget_files(public)
    widget_total = sum(gzipped(p.read_bytes()) for p in widget) if widget else None
    if widget_total is None:
        print("widget: no consent.*.js/css in the build's assets/ nor in widget/ yet: not measured")
    else:
        names = ", ".join(p.name for p in widget)
        print(
            f"widget ({names}): {widget_total} B gzipped "
            f"(target ≤ {TARGET_WIDGET_BYTES} B: {record.verdict(widget_total, TARGET_WIDGET_BYTES, True)})"
        )
    parts = lazy_parts(public)
    for name, size in parts.items():
        print(f"loaded only where needed: {name} {size} B gzipped")
    pages = [page_transfer(p, public) for p in sorted(public.glob("*/*/index.html"))]
    for entry in pages:
        detail = ", ".join(f"{k} {v}" for k, v in entry["parts"].items())
        print(f"{entry['page']}: {entry['total']} B gzipped ({detail})")
    heaviest = max((p["total"] for p in pages), default=None)
    print(
        f"heaviest notice page: {heaviest} B gzipped "
        f"(target ≤ {TARGET_PAGE_BYTES} B: {record.verdict(heaviest, TARGET_PAGE_BYTES, True)})"
    )
    return {
        "gzip_level": 6,
        "widget_files": [p.name for p in widget],
        "widget_gzipped_bytes": widget_total,
        "lazy_parts_gzipped_bytes": parts,
        "heaviest_page_gzipped_bytes": heaviest,
        "pages": pages,
        "targets": {"widget_bytes_at_most": TARGET_WIDGET_BYTES, "page_bytes_at_most": TARGET_PAGE_BYTES},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench weight", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--public", type=Path, help="a built output folder (default: build content/ afresh)")
    args = parser.parse_args(argv)
    workdir = None
    public = args.public
    if public is None:
        workdir = Path(tempfile.mkdtemp(prefix="bench-weight-"))
        public = workdir / "public"
        done = subprocess.run(
            [sys.executable, str(REPO / "build.py"), "--out", str(public)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"bench weight: the example build failed:\n{done.stderr[-3000:]}")
    try:
        figures = measure(public)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"wrote {record.save('weight', figures)}")
    return 0
