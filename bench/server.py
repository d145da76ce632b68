"""Server benchmark: our endpoints beside a bare Starlette route, in the same run.

    python -m bench server [--connections 32] [--requests 20000] [--seconds 10]

Both apps run in their own uvicorn process on 127.0.0.1 with the same options
(one worker, no access log); the load generator (bench/load.py) runs in this
process. Endpoints not merged yet are skipped with a note.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml

from . import record
from .load import Outcome, Request, run_load

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SITE, LANGUAGE = "ihu-imagerie", "fr"
TARGET_CONSENT = 0.70
TARGET_RIGHTS = 0.30
TARGET_P99_MS = 20.0
# The benchmark site gets optional cookies, so the consent endpoint does its real work (cookie, log).
BENCH_COOKIES = {
    "consent_lifetime_months": 6,
    "items": [
        {
            "name": "session",
            "provider": "Bench",
            "category": "strictly_necessary",
            "purpose": {"fr": "Garder la session", "en": "Keeps the session"},
            "duration": "session",
        },
        {
            "name": "_pk_id",
            "provider": "Matomo",
            "category": "audience_measurement",
            "purpose": {"fr": "Mesurer l'audience", "en": "Measures visits"},
            "duration": "13 months",
        },
    ],
}


@dataclass(frozen=True)
class Scenario:
    name: str
    request: Request
    target_ratio: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _fetch(port: int, request: Request) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(request.method, request.path, body=request.body or None, headers=request.headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"bench server: {' '.join(command)} stopped:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    sys.exit(f"bench server: {' '.join(command)} did not answer on port {port} within 30 s")


def _prepare(workdir: Path) -> dict[str, str]:
    content = workdir / "content"
    shutil.copytree(REPO / "content", content)
    policy = content / SITE / "policy.yaml"
    notice = yaml.safe_load(policy.read_text(encoding="utf-8"))
    notice["cookies"] = BENCH_COOKIES
    policy.write_text(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False), encoding="utf-8")
    public = workdir / "public"
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--content", str(content), "--out", str(public)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"bench server: the build failed:\n{done.stderr[-3000:]}")
    return {
        **os.environ,
        "PRIVACY_ENV": "development",
        "PRIVACY_SECRET_KEYS": "bench-key-" + "x" * 40,
        "PRIVACY_CONTENT_DIR": str(content),
        "PRIVACY_PUBLIC_DIR": str(public),
        "PRIVACY_VAR_DIR": str(workdir / "var"),
        # Every bench request comes from 127.0.0.1: lift the per-address limit, or it only measures refusals.
        "PRIVACY_RIGHTS_LIMITS": "100000000/60,100000000/60",
        "PRIVACY_CONSENT_LIMITS": "100000000/60",
    }


class _FormFields(HTMLParser):
    """The fields of the page's POST form, filled the way a person would."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.action: str | None = None
        self._in_form = False
        self._select: str | None = None
        self._radios: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post" and self.action is None:
            self._in_form, self.action = True, a.get("action", "")
        if not self._in_form or (not a.get("name") and tag != "option"):
            return
        name, kind = a.get("name", ""), a.get("type", "text").lower()
        if tag == "input":
            if kind in ("submit", "button", "reset", "file"):
                return
            if kind == "radio":
                if name not in self._radios:
                    self._radios.add(name)
                    self.fields.append((name, a.get("value", "on")))
            elif kind == "checkbox":
                self.fields.append((name, a.get("value", "on")))
            elif kind == "email":
                self.fields.append((name, "bench@example.org"))
            elif a.get("tabindex") == "-1":
                self.fields.append((name, ""))  # out of a person's reach (a honeypot): left empty
            elif kind == "hidden":
                self.fields.append((name, a.get("value", "")))
            else:
                self.fields.append((name, a.get("value") or "Bench Person"))
        elif tag == "textarea":
            # Numbered by the load generator: every submission is a new request, not a double submission
            # (which the server would answer from the stored one, without its real work).
            self.fields.append((name, "I would like a copy of the data you hold about me (__N__)."))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and a.get("value"):
            self.fields.append((self._select, a["value"]))
            self._select = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None


def _same_origin(port: int) -> dict[str, str]:
    return {"Origin": f"http://{HOST}:{port}", "Sec-Fetch-Site": "same-origin"}


def our_scenarios(port: int) -> tuple[list[Scenario], list[str]]:
    """What to measure on our server, and a note for each endpoint that is not there yet."""
    scenarios, notes = [], []
    get = Request("GET", f"/consent?{urlencode({'site': SITE, 'lang': LANGUAGE})}", {"Accept": "application/json"})
    post = Request(
        "POST",
        "/consent",
        {"Content-Type": "application/json", "Accept": "application/json", **_same_origin(port)},
        json.dumps({"site": SITE, "lang": LANGUAGE, "action": "accept"}).encode(),
    )
    for name, request in (("GET /consent", get), ("POST /consent", post)):
        status, _, body = _fetch(port, request)
        if status in (404, 405):
            notes.append(f"{name}: not there yet (HTTP {status}): skipped")
        elif status >= 400:
            notes.append(f"{name}: answers HTTP {status} to the benchmark's request ({body[:200]!r}): skipped")
        else:
            scenarios.append(Scenario(name, request, TARGET_CONSENT))

    form_path = f"/rights/{SITE}/{LANGUAGE}/"
    status, headers, body = _fetch(port, Request("GET", form_path))
    if status != 200:
        notes.append(f"POST {form_path}: the form page answers HTTP {status}, not there yet: skipped")
        return scenarios, notes
    form = _FormFields()
    form.feed(body.decode("utf-8", errors="replace"))
    cookie = "; ".join(c.split(";", 1)[0] for c in [headers.get("set-cookie", "")] if c)
    submit = Request(
        "POST",
        form.action or form_path,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            **_same_origin(port),
            **({"Cookie": cookie} if cookie else {}),
        },
        urlencode(form.fields).encode(),
    )
    status, _, answer = _fetch(port, submit)
    if status >= 400:
        notes.append(f"POST {form_path}: answers HTTP {status} to the filled form ({answer[:200]!r}): skipped")
    else:
        scenarios.append(Scenario(f"POST {form_path}", submit, TARGET_RIGHTS))
    return scenarios, notes


def _bare_twin(request: Request) -> Request:
    if request.method == "GET":
        return Request("GET", "/bare")
    return Request("POST", "/bare", {"Content-Type": "application/json"}, request.body[:200])


def _figures(outcome: Outcome) -> dict[str, Any]:
    return {
        "requests": outcome.requests,
        "seconds": round(outcome.seconds, 3),
        "per_second": round(outcome.per_second, 1),
        "p50_ms": round(outcome.percentile(50), 2),
        "p99_ms": round(outcome.percentile(99), 2),
        "statuses": outcome.statuses,
    }


def _measure(port: int, request: Request, args: argparse.Namespace) -> Outcome:
    # A short warm-up first, so start-up costs (imports, first SQLite pages) are not counted.
    asyncio.run(run_load(HOST, port, request, connections=args.connections, max_requests=200, max_seconds=5))
    return asyncio.run(
        run_load(
            HOST, port, request, connections=args.connections, max_requests=args.requests, max_seconds=args.seconds
        )
    )


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = _prepare(workdir)
    ours_port, bare_port = _free_port(), _free_port()
    ours = _start(
        [sys.executable, str(REPO / "server.py"), "--host", HOST, "--port", str(ours_port)],
        env,
        ours_port,
        workdir / "ours.log",
    )
    bare = _start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_app:app",
            "--host",
            HOST,
            "--port",
            str(bare_port),
            "--no-access-log",
            "--no-server-header",
        ],
        env,
        bare_port,
        workdir / "bare.log",
    )
    results: list[dict[str, Any]] = []
    try:
        scenarios, notes = our_scenarios(ours_port)
        for note in notes:
            print(f"note: {note}")
        for scenario in scenarios:
            baseline = _measure(bare_port, _bare_twin(scenario.request), args)
            measured = _measure(ours_port, scenario.request, args)
            ratio = measured.per_second / baseline.per_second if baseline.per_second else 0.0
            print(
                f"{scenario.name:32s} {measured.per_second:8.0f} req/s  p50 {measured.percentile(50):6.2f} ms  "
                f"p99 {measured.percentile(99):6.2f} ms  statuses {measured.statuses}"
            )
            print(
                f"{'  bare Starlette route':32s} {baseline.per_second:8.0f} req/s  p50 {baseline.percentile(50):6.2f} ms"
                f"  p99 {baseline.percentile(99):6.2f} ms"
            )
            print(
                f"  ratio to bare = {ratio:5.2f} (target ≥ {scenario.target_ratio}: "
                f"{record.verdict(ratio, scenario.target_ratio, False)}); p99 target < {TARGET_P99_MS} ms: "
                f"{record.verdict(measured.percentile(99), TARGET_P99_MS, True)}"
            )
            refused = sum(n for status, n in measured.statuses.items() if status >= 400)
            refusals: str | None = None
            if refused > measured.requests / 2:
                refusals = (
                    f"{refused} of {measured.requests} answers were refusals ({measured.statuses}): this measures "
                    "the refusal path (e.g. a rate limit), not the endpoint's real work"
                )
                print(f"  WARNING: {refusals}")
            results.append(
                {
                    "endpoint": scenario.name,
                    "ours": _figures(measured),
                    "bare": _figures(baseline),
                    "ratio_to_bare": round(ratio, 3),
                    "target_ratio": scenario.target_ratio,
                    "note": refusals,
                }
            )
    finally:
        for process in (ours, bare):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return {
        "connections": args.connections,
        "max_requests": args.requests,
        "max_seconds": args.seconds,
        "results": results,
        "skipped": notes,
        "target_p99_ms": TARGET_P99_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench server", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--requests", type=int, default=20_000, help="at most this many requests per measurement")
    parser.add_argument("--seconds", type=float, default=10.0, help="at most this long per measurement")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-server-"))
    try:
        figures = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"wrote {record.save('server', figures)}")
    return 0
