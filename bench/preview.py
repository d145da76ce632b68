"""Preview benchmark: from a save of policy.yaml to the repainted page in Chromium, under build.py preview.

    python -m bench preview [--runs 20]

A copy of the example content is previewed on a loopback port; each run changes one purpose's wording in the
IHU's policy.yaml and times, in Chromium (Debian's), until the page shows the new wording and has painted it
(two animation frames after). Each save's time is split in three: until the watcher starts the rebuild, the
rebuild itself, and from its end to the painted page (the event, the page's fetch of itself and its repaint).
Target: under 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from . import record

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.3
SITE = "ihu-imagerie"
WORDING = "Répondre à vos demandes d'information et de contact"
# Between saves, so that each is a save of its own rather than one of a burst the watcher gathers.
PAUSE_SECONDS = 0.2
PARTS = ("total", "to_rebuild", "rebuild", "to_paint")
# Resolves once the page shows the marker and has painted it (two animation frames after). It looks at each
# change of the page, not at every frame: polling would take the processor the rebuild needs.
SHOWN_AND_PAINTED = """marker => new Promise(resolve => {
  const shown = () => document.body.textContent.includes(marker);
  if (shown()) return resolve();
  new MutationObserver((changes, observer) => {
    if (shown()) { observer.disconnect(); resolve(); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}).then(() => new Promise(painted => requestAnimationFrame(() => requestAnimationFrame(painted))))"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(runs: int) -> dict[str, float | int | str]:
    from playwright.sync_api import sync_playwright

    from privacy.preview import RunningPreview
    from tests.support.quality import launch_chromium

    workdir = Path(tempfile.mkdtemp(prefix="bench-preview-"))
    seconds: dict[str, list[float]] = {part: [] for part in PARTS}
    try:
        content = workdir / "content"
        shutil.copytree(REPO / "content", content)
        policy = content / SITE / "policy.yaml"
        source = policy.read_text(encoding="utf-8")
        assert WORDING in source, "bench preview: the example's wording moved; update WORDING"
        with RunningPreview(content, language="fr") as preview, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page()
            page.goto(preview.url + f"{SITE}/fr/")
            state = preview.state
            for run in range(runs):
                marker = f"{WORDING} (essai {run})"
                started = time.perf_counter()
                policy.write_text(source.replace(WORDING, marker, 1), encoding="utf-8")
                page.evaluate(SHOWN_AND_PAINTED, marker)
                painted = time.perf_counter()
                seconds["total"].append(painted - started)
                seconds["to_rebuild"].append(state.build_started - started)
                seconds["rebuild"].append(state.build_ended - state.build_started)
                seconds["to_paint"].append(painted - state.build_ended)
                time.sleep(PAUSE_SECONDS)
            browser.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures: dict[str, float | int | str] = {"runs": runs, "target_s": TARGET_SECONDS}
    for part, values in seconds.items():
        figures[f"{part}_median_s"] = round(statistics.median(values), 3)
        figures[f"{part}_p90_s"] = round(_percentile(values, 0.9), 3)
    figures["total_max_s"] = round(max(seconds["total"]), 3)
    figures["load_average"] = " ".join(f"{load:.1f}" for load in os.getloadavg())
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench preview", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    figures = measure(max(1, min(args.runs, 100)))  # bounded in count
    verdict = "meets" if float(figures["total_median_s"]) < TARGET_SECONDS else "misses"
    print(
        f"preview: save to repainted page, median {figures['total_median_s']:.3f} s, p90 {figures['total_p90_s']:.3f} s, "
        f"max {figures['total_max_s']:.3f} s over {figures['runs']} saves (target < {TARGET_SECONDS} s: {verdict}); "
        f"median to the rebuild {figures['to_rebuild_median_s']:.3f} s, rebuild {figures['rebuild_median_s']:.3f} s, "
        f"then to the painted page {figures['to_paint_median_s']:.3f} s (load average {figures['load_average']})"
    )
    print(f"wrote {record.save('preview', figures)}")
    return 0
