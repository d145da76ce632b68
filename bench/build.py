"""Build benchmark: our build beside Hugo and Pelican on the same synthetic sites.

    python -m bench build [--sites 500] [--repeat 3] [--workdir DIR] [--profile]

Each cold build (ours, Hugo, Pelican) runs ``--repeat`` times, the three tools taking turns so that a noisy
moment of the machine falls on all of them; the figures and ratios are medians, every run is kept in the JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from . import record
from .corpus import edit_site, site_id, write_corpus
from .markdown_pages import built_pages_as_markdown
from .rivals import hugo_command, hugo_project, pelican_command, pelican_project

REPO = Path(__file__).resolve().parent.parent
TARGET_VS_HUGO = 1.5  # ours / Hugo, at most
TARGET_VS_PELICAN = 4.0  # Pelican / ours, at least
TARGET_REBUILD_S = 0.3


def _timed(command: list[str], what: str) -> float:
    # Each tool starts with the disk caught up: none pays for writing out what the one before it wrote
    # (Pelican leaves some 100 MB to write back, which slowed whichever build came next).
    os.sync()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench build: {what} failed (exit {done.returncode}):\n{done.stderr[-3000:]}{done.stdout[-2000:]}")
    return elapsed


def _our_build(content: Path, out: Path) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "--content", str(content), "--out", str(out)]


def profile_build(content: Path, out: Path, top: int = 25) -> str:
    """cProfile of one in-process build, sorted by own time: where the build spends it."""
    from privacy.pipeline import build

    profiler = cProfile.Profile()
    profiler.enable()
    build(content, out)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def _watch_rebuild(content: Path, out: Path, edited: str, rounds: int = 3) -> float:
    """What `build.py watch` spends after an edit: one process, templates and imports warm (median of rounds)."""
    from privacy.pipeline import build
    from privacy.render import Renderer

    renderer = Renderer(cache_dir=out.with_name(f".{out.name}-cache"))
    build(content, out, renderer=renderer)
    times = []
    for round_ in range(rounds):
        edit_site(content, edited, f"watch {round_}")
        started = time.perf_counter()
        build(content, out, renderer=renderer)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def run(sites: int, workdir: Path, profile: bool, repeat: int = 3) -> dict[str, Any]:
    content, ours = workdir / "content", workdir / "public"
    print(f"generating {sites} sites ({2 * sites} pages) in {content}")
    ids = write_corpus(content, sites)

    first_cold = _timed(_our_build(content, ours), "our cold build")
    print(f"ours, cold full build:           {first_cold:8.2f} s")
    unchanged = _timed(_our_build(content, ours), "our no-change build")
    print(f"ours, nothing changed:           {unchanged:8.2f} s")
    edit_site(content, site_id(sites // 2), "bench")
    one_site = _timed(_our_build(content, ours), "our one-site rebuild")
    print(f"ours, one site edited:           {one_site:8.2f} s")
    watched = _watch_rebuild(content, ours, site_id(sites // 3))
    print(f"ours, one site edited, watching: {watched:8.2f} s  (build.py watch: templates warm)")

    pages = built_pages_as_markdown(ours, ids)
    words = sum(len(p.body.split()) for p in pages)
    hugo_dir = hugo_project(workdir / "hugo", pages)
    pelican_dir = pelican_project(workdir / "pelican", pages)
    runs: dict[str, list[float]] = {"ours": [first_cold], "hugo": [], "pelican": []}
    for round_ in range(repeat):
        # A fresh output and cache for every cold build: nothing carried over from an earlier round.
        if round_:
            runs["ours"].append(_timed(_our_build(content, workdir / f"public-{round_}"), "our cold build"))
            print(f"ours, cold full build:           {runs['ours'][-1]:8.2f} s")
        runs["hugo"].append(
            _timed(hugo_command(hugo_dir, workdir / f"hugo-public-{round_}", workdir / f"hugo-cache-{round_}"), "Hugo")
        )
        print(f"Hugo, cold full build:           {runs['hugo'][-1]:8.2f} s")
        runs["pelican"].append(_timed(pelican_command(pelican_dir, workdir / f"pelican-public-{round_}"), "Pelican"))
        print(f"Pelican, cold full build:        {runs['pelican'][-1]:8.2f} s")
    cold, hugo, pelican = (statistics.median(runs[tool]) for tool in ("ours", "hugo", "pelican"))
    print(f"medians of {repeat}: ours {cold:.2f} s, Hugo {hugo:.2f} s, Pelican {pelican:.2f} s")

    vs_hugo, vs_pelican = cold / hugo, pelican / cold
    print(
        f"ours / Hugo      = {vs_hugo:6.2f}  (target ≤ {TARGET_VS_HUGO}: {record.verdict(vs_hugo, TARGET_VS_HUGO, True)})"
    )
    print(
        f"Pelican / ours   = {vs_pelican:6.2f}  (target ≥ {TARGET_VS_PELICAN}: "
        f"{record.verdict(vs_pelican, TARGET_VS_PELICAN, False)})"
    )
    for name, value in (("no-change rebuild", unchanged), ("one-site rebuild", one_site), ("watch rebuild", watched)):
        print(
            f"{name:17s}= {value:6.2f} s (target < {TARGET_REBUILD_S} s: "
            f"{record.verdict(value, TARGET_REBUILD_S, True)})"
        )

    figures: dict[str, Any] = {
        "sites": sites,
        "pages": len(pages),
        "words_per_page": round(words / max(len(pages), 1)),
        "seconds": {
            "ours_cold": cold,
            "ours_unchanged": unchanged,
            "ours_one_site": one_site,
            "ours_one_site_watching": watched,
            "hugo_cold": hugo,
            "pelican_cold": pelican,
        },
        "cold_runs": runs,  # every cold build, in seconds; the figures above are their medians
        "ratios": {"ours_over_hugo": vs_hugo, "pelican_over_ours": vs_pelican},
        "targets": {
            "ours_over_hugo_at_most": TARGET_VS_HUGO,
            "pelican_over_ours_at_least": TARGET_VS_PELICAN,
            "rebuild_seconds_below": TARGET_REBUILD_S,
        },
    }
    if profile:
        report = profile_build(content, workdir / "profiled")
        (workdir / "profile.txt").write_text(report, encoding="utf-8")
        print(report[:6000])
        figures["profile"] = str(workdir / "profile.txt")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench build", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=500, help="number of synthetic sites (two pages each)")
    parser.add_argument("--workdir", type=Path, help="keep the corpus and outputs here (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3, help="cold builds of each tool (the medians are reported)")
    parser.add_argument("--profile", action="store_true", help="also profile one in-process build with cProfile")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        figures = run(args.sites, workdir, args.profile, max(1, args.repeat))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"wrote {record.save('build', figures)}")
    return 0
