"""Server benchmark: our endpoints beside a bare Starlette route, in the same run.

    python -m bench server [--connections 32] [--requests 20000] [--seconds 10]

In the same run, two sections: our server on the SQLite default in one process beside the bare route in one
process; then our server on PostgreSQL (a throwaway cluster, fsync on) with ``--workers 2`` beside the bare
route with two uvicorn workers. Same options everywhere (no access log); the load generator (bench/load.py) runs
in this process, each connection from a loopback address of its own (a visitor). Each request's cost is read
from /proc (µs of CPU in our processes and in PostgreSQL's), its mails included (the meters stop once the outbox
has sent them), and from pg_stat_statements (statements, by kind). Endpoints not merged yet are skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import yaml

from privacy.settings import RIGHTS_LIMITS, SETTINGS

from . import cpu, record
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
        # Every bench request comes from 127.0.0.1: lift the per-address limits, or they only measure refusals.
        # Their window is one second, so that the one address holds about a second of hits (hundreds), where
        # a visitor's address holds at most its limit's count (tens); a longer window would measure a single
        # address holding a million hits, which no limit lets happen. Each form names a mailbox of its own
        # (``_FormFields``), under the real per-mailbox limit.
        "PRIVACY_RIGHTS_LIMITS": "100000000/1," + RIGHTS_LIMITS.default.split(",")[1],
        "PRIVACY_CONSENT_LIMITS": "100000000/1",
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
                # A mailbox per request, as many people sending one request each (``bench.load.NUMBER``).
                self.fields.append((name, "bench-__N__@example.org"))
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


def _measure(port: int, request: Request, args: argparse.Namespace, *, warm: bool, measured: bool = True) -> Outcome:
    """One measurement; ``warm``: a short warm-up first, so that start-up costs (imports, first database pages,
    a pool's connections) are not counted. ``measured=False``: the warm-up alone."""
    if warm:
        warm_up = asyncio.run(
            run_load(HOST, port, request, connections=args.connections, max_requests=200, max_seconds=5)
        )
        if not measured:
            return warm_up
    return asyncio.run(
        run_load(
            HOST, port, request, connections=args.connections, max_requests=args.requests, max_seconds=args.seconds
        )
    )


@dataclass
class Pair:
    """Our server and the bare route, each in ``workers`` processes, on the same options."""

    label: str
    workers: int
    ours: subprocess.Popen[bytes]
    ours_port: int
    bare: subprocess.Popen[bytes]
    bare_port: int

    def stop(self) -> None:
        for process in (self.ours, self.bare):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _start_pair(label: str, env: dict[str, str], workers: int, workdir: Path) -> Pair:
    ours_port, bare_port = _free_port(), _free_port()
    several = ["--workers", str(workers)] if workers > 1 else []
    ours = _start(
        [sys.executable, str(REPO / "server.py"), "--host", HOST, "--port", str(ours_port), *several],
        env,
        ours_port,
        workdir / f"ours-{workers}.log",
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
            *several,
        ],
        env,
        bare_port,
        workdir / f"bare-{workers}.log",
    )
    pair = Pair(label, workers, ours, ours_port, bare, bare_port)
    for port in (ours_port, bare_port):  # the port is bound before the workers serve: wait for them
        _answering(port, pair)
    return pair


def _answering(port: int, pair: Pair) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            _fetch(port, Request("GET", "/bare" if port == pair.bare_port else "/consent"))
            return
        except OSError:
            if time.monotonic() > deadline:
                pair.stop()
                sys.exit(f"bench server: {pair.label}: nothing answers on port {port} within 60 s")
            time.sleep(0.2)


class Statements:
    """Statements PostgreSQL ran (pg_stat_statements, BEGIN and COMMIT included). Pipelined transactions send
    several in one round trip: a statement costs its parse, plan and execution there, and psycopg's work here."""

    def __init__(self, url: str) -> None:
        self.url = url

    def reset(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute("SELECT pg_stat_statements_reset()")

    def count(self) -> int:
        return sum(self.kinds().values())

    def kinds(self) -> dict[str, int]:
        """Calls per statement, each named by its first words (``SELECT pg_advisory_xact_lock``, ``INSERT INTO
        consent_log``…), these queries' own left out."""
        with psycopg.connect(self.url, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT query, calls FROM pg_stat_statements WHERE query NOT LIKE %s AND query NOT LIKE %s",
                ("%pg_stat_statements%", f"%{BENCH_MARK}%"),
            ).fetchall()
        kinds: dict[str, int] = {}
        for query, calls in rows:
            name = _statement_name(str(query))
            kinds[name] = kinds.get(name, 0) + int(calls)
        return kinds


def _statement_name(query: str) -> str:
    words = query.replace("(", " ").replace(")", " ").split()
    if words[:1] == ["WITH"]:  # a CTE: named by what it does after its first name
        return " ".join([*words[:2], "…", *[w for w in words[2:] if w in ("INSERT", "UPDATE", "DELETE")][:1]])
    keep = 3 if words[:1] in (["INSERT"], ["DELETE"]) else 2 if words[:1] in (["UPDATE"], ["SELECT"]) else 4
    if words[:1] == ["SELECT"] and "FROM" in words:
        return " ".join([*words[:2], "…", "FROM", words[words.index("FROM") + 1]])
    return " ".join(words[:keep])


BENCH_MARK = "/* bench */"


class Outbox:
    """The rights outbox of the server under measure, read from outside: its mails still to send."""

    def __init__(self, sqlite: Path | None = None, url: str | None = None) -> None:
        self.sqlite, self.url = sqlite, url

    def unsent(self) -> int:
        # Marked, so that the statements counted for a request leave this one out (``Statements.kinds``).
        query = f"SELECT COUNT(*) FROM rights_outbox WHERE sent_at IS NULL AND failed_at IS NULL {BENCH_MARK}"
        if self.url:
            with psycopg.connect(self.url, autocommit=True) as connection:
                row = connection.execute(query).fetchone()
        else:
            assert self.sqlite is not None
            with closing(sqlite3.connect(self.sqlite, timeout=30)) as db:
                row = db.execute(query).fetchone()
        return int(row[0]) if row else 0

    def drain(self, seconds: float = 120.0) -> float:
        """Waits (at most ``seconds``) until every mail is sent; the seconds it took."""
        start = time.monotonic()
        while self.unsent() and time.monotonic() - start < seconds:
            time.sleep(0.1)
        return time.monotonic() - start


def _costs(
    pair: Pair, request: Request, args: argparse.Namespace, database: tuple[int, Statements] | None, outbox: Outbox
) -> tuple[Outcome, dict[str, Any]]:
    """The measurement, with what each request cost: µs of CPU in our processes (and in PostgreSQL's), and
    statements sent to PostgreSQL, by kind. A request's mails are part of its cost: the meters stop once the
    outbox has sent every mail, which it may do after the last answer (it lags behind a burst by design)."""
    outbox.drain()  # the warm-up's mails are not this measurement's
    server_cpu = cpu.Meter(pair.ours.pid)
    database_cpu = cpu.Meter(database[0]) if database else None
    if database:
        database[1].reset()
    server_cpu.start()
    if database_cpu:
        database_cpu.start()
    measured = _measure(pair.ours_port, request, args, warm=False)
    answered = server_cpu.read()
    after = outbox.drain()
    per = max(measured.requests, 1)
    total = server_cpu.stop()
    costs: dict[str, Any] = {"server_cpu_us": round(total * 1e6 / per, 1)}
    if after > 0.05:
        costs["of_which_mail_after_answers_us"] = round((total - answered) * 1e6 / per, 1)
        costs["outbox_drained_after_s"] = round(after, 2)
    if database and database_cpu:
        costs["database_cpu_us"] = round(database_cpu.stop() * 1e6 / per, 1)
        kinds = database[1].kinds()
        costs["statements"] = round(sum(kinds.values()) / per, 2)
        costs["statements_by_kind"] = {
            name: round(calls / per, 2) for name, calls in sorted(kinds.items(), key=lambda kv: -kv[1])
        }
    return measured, costs


def _compare(
    pair: Pair, args: argparse.Namespace, database: tuple[int, Statements] | None, outbox: Outbox
) -> dict[str, Any]:
    print(f"-- {pair.label}")
    scenarios, notes = our_scenarios(pair.ours_port)
    for note in notes:
        print(f"note: {note}")
    results: list[dict[str, Any]] = []
    for scenario in scenarios:
        baseline_cpu = cpu.Meter(pair.bare.pid)
        _measure(pair.bare_port, _bare_twin(scenario.request), args, warm=True, measured=False)
        baseline_cpu.start()
        baseline = _measure(pair.bare_port, _bare_twin(scenario.request), args, warm=False)
        bare_us = baseline_cpu.stop() * 1e6 / max(baseline.requests, 1)
        _measure(pair.ours_port, scenario.request, args, warm=True, measured=False)
        measured, costs = _costs(pair, scenario.request, args, database, outbox)
        ratio = measured.per_second / baseline.per_second if baseline.per_second else 0.0
        print(
            f"{scenario.name:32s} {measured.per_second:8.0f} req/s  p50 {measured.percentile(50):6.2f} ms  "
            f"p99 {measured.percentile(99):6.2f} ms  statuses {measured.statuses}"
        )
        print(
            f"{'  bare Starlette route':32s} {baseline.per_second:8.0f} req/s  p50 {baseline.percentile(50):6.2f} ms"
            f"  p99 {baseline.percentile(99):6.2f} ms"
        )
        said = ", ".join(
            f"{name.replace('_', ' ')} {value}" for name, value in costs.items() if name != "statements_by_kind"
        )
        print(f"  a request costs: {said} (the bare route: server cpu us {bare_us:.1f})")
        if costs.get("statements_by_kind"):
            kinds = costs["statements_by_kind"].items()
            print("  statements a request: " + "; ".join(f"{name} {n}" for name, n in kinds if n >= 0.05))
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
                "ours": {**_figures(measured), **costs},
                "bare": {**_figures(baseline), "server_cpu_us": round(bare_us, 1)},
                "ratio_to_bare": round(ratio, 3),
                "target_ratio": scenario.target_ratio,
                "note": refusals,
            }
        )
    return {"label": pair.label, "workers": pair.workers, "results": results, "skipped": notes}


def _postgres_section(env: dict[str, str], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Our server on PostgreSQL with two workers, beside the bare route with two workers."""
    # The throwaway cluster of the tests (fsync on), with pg_stat_statements to count round trips.
    from tests.support.postgres import running_cluster

    with running_cluster({"shared_preload_libraries": "pg_stat_statements"}) as cluster:
        name = cluster.create_database()
        with cluster.connect(name) as connection:
            connection.execute("CREATE EXTENSION pg_stat_statements")
        pg_env = {**env, "PRIVACY_DATABASE_URL": cluster.url(name), "PRIVACY_VAR_DIR": str(workdir / "var-pg")}
        migrated = subprocess.run(
            [sys.executable, str(REPO / "server.py"), "migrate"],
            cwd=REPO,
            env=pg_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if migrated.returncode != 0:
            sys.exit(f"bench server: server.py migrate on PostgreSQL failed:\n{migrated.stderr[-3000:]}")
        pair = _start_pair("PostgreSQL, 2 workers (bare route: 2 workers)", pg_env, 2, workdir)
        try:
            url = cluster.url(name)
            return _compare(pair, args, (cluster.pid, Statements(url)), Outbox(url=url))
        finally:
            pair.stop()


def _summary(sections: list[dict[str, Any]]) -> dict[str, Any]:
    """The targets of issue 13 that compare two sections, or need PostgreSQL."""
    by = {(s["workers"], r["endpoint"]): r["ours"] for s in sections for r in s["results"]}
    rights = f"POST /rights/{SITE}/{LANGUAGE}/"
    summary: dict[str, Any] = {}
    if (2, rights) in by and (1, rights) in by:
        ratio = by[(2, rights)]["per_second"] / by[(1, rights)]["per_second"]
        summary["rights_postgres_2_workers_over_sqlite_1_process"] = round(ratio, 2)
        print(
            f"rights submission, PostgreSQL 2 workers / SQLite 1 process = {ratio:.2f} (target ≥ 1: "
            f"{record.verdict(ratio, 1.0, False)})"
        )
    for endpoint in ("POST /consent", rights):
        if (2, endpoint) in by:
            p99 = by[(2, endpoint)]["p99_ms"]
            summary[f"{endpoint} p99 ms, PostgreSQL 2 workers"] = p99
            print(
                f"{endpoint} on PostgreSQL, p99 {p99} ms (target < {TARGET_P99_MS}: "
                f"{record.verdict(p99, TARGET_P99_MS, True)})"
            )
    return summary


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = _prepare(workdir)
    sections = []
    pair = _start_pair("SQLite, 1 process (bare route: 1 process)", env, 1, workdir)
    try:
        sections.append(_compare(pair, args, None, Outbox(sqlite=workdir / "var" / "privacy.sqlite3")))
    finally:
        pair.stop()
    if args.no_postgres:
        pass
    elif "PRIVACY_DATABASE_URL" not in {setting.name for setting in SETTINGS}:
        # Without its backend the variable would be ignored, and SQLite measured under PostgreSQL's name.
        print("note: this server has no PostgreSQL backend yet (PRIVACY_DATABASE_URL): its section is skipped")
    else:
        sections.append(_postgres_section(env, args, workdir))
    return {
        "connections": args.connections,
        "max_requests": args.requests,
        "max_seconds": args.seconds,
        "sections": sections,
        "summary": _summary(sections),
        "target_p99_ms": TARGET_P99_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench server", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("--requests", type=int, default=20_000, help="at most this many requests per measurement")
    parser.add_argument("--seconds", type=float, default=10.0, help="at most this long per measurement")
    parser.add_argument(
        "--no-postgres", action="store_true", help="only the SQLite section (no PostgreSQL server programs here)"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-server-"))
    try:
        figures = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"wrote {record.save('server', figures)}")
    return 0
