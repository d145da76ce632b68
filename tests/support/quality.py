"""Quality gates shared by the whole suite: the real Nu HTML Checker, axe-core
in Debian's Chromium, and network/console watchers for pages.

Missing tools make a test FAIL (never skip): a skip would let a machine with
no chromium/java/node_modules pass the suite without checking anything.
`.ci/run` installs everything these helpers need.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Request

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"

# Debian's package; Playwright's own browser download cannot be reached here.
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google
# hosts, which the closed network refuses (and which would pollute the
# "no request leaves for another origin" gates). --no-sandbox: CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

INSTALL_HINT = "run `bash .ci/run` (as root), or `apt-get install chromium default-jre-headless` and `npm ci`"


def _require(ok: bool, what: str) -> None:
    if not ok:
        pytest.fail(f"{what} is missing: {INSTALL_HINT}", pytrace=False)


# --- browser -----------------------------------------------------------------


def launch_chromium(playwright: Playwright, **kw: Any) -> Browser:
    """Launch Debian's Chromium headless (Playwright adds --headless)."""
    _require(os.access(CHROMIUM, os.X_OK), f"Chromium ({CHROMIUM})")
    args = [*CHROMIUM_ARGS, *kw.pop("args", [])]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args, **kw)


# --- Nu HTML Checker ---------------------------------------------------------


def _java_cmd() -> list[str]:
    java = shutil.which("java")
    _require(java is not None, "java (a JRE 11+ for the Nu HTML Checker)")
    _require(VNU_JAR.is_file(), f"the Nu HTML Checker ({VNU_JAR.relative_to(ROOT)})")
    # -Xss: vnu overflows the default 1 MiB thread stack on deep documents.
    return [str(java), "-Xss4m", "-jar", str(VNU_JAR)]


def vnu_check(
    paths_or_html: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> list[dict[str, Any]]:
    """Validate documents with the Nu HTML Checker; return its errors.

    Accepts a path, an HTML string (anything starting with "<"), or an
    iterable mixing both. Everything goes to ONE java run: JVM start-up
    (~3 s) dominates, so batch a whole build's pages in a single call.
    Each error: {"file", "line", "column", "message", "extract"}; "file"
    is the path given, or "<html #N>" for the N-th string.
    """
    items = [paths_or_html] if isinstance(paths_or_html, (str, os.PathLike)) else list(paths_or_html)
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        by_path: dict[str, str] = {}
        files: list[str] = []
        for n, item in enumerate(items):
            if isinstance(item, str) and item.lstrip().startswith("<"):
                path = Path(tmp, f"doc{n}.html")
                path.write_text(item, encoding="utf-8")
                label = f"<html #{n}>"
            else:
                path = Path(item).resolve()
                label = str(item)
                # vnu silently ignores files it cannot read: fail loudly instead.
                if not path.is_file():
                    pytest.fail(f"vnu_check: no such file {item}", pytrace=False)
            by_path[str(path)] = label
            files.append(str(path))
        if not files:
            return []
        proc = subprocess.run(
            [*_java_cmd(), "--format", "json", "--exit-zero-always", "--stdout", *files],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    if proc.returncode != 0:
        pytest.fail(f"vnu failed (exit {proc.returncode}):\n{proc.stderr}{proc.stdout}", pytrace=False)
    messages = json.loads(proc.stdout)["messages"]
    return [
        {
            "file": _vnu_label(m.get("url", ""), by_path),
            "line": m.get("lastLine"),
            "column": m.get("firstColumn"),
            "message": m.get("message", ""),
            "extract": m.get("extract", ""),
        }
        for m in messages
        # non-document-error: vnu could not read/parse the input at all.
        if m.get("type") in ("error", "non-document-error")
    ]


def _vnu_label(url: str, by_path: Mapping[str, str]) -> str:
    # vnu writes "file:/x" (not "file:///x"): compare decoded paths instead.
    return by_path.get(unquote(urlsplit(url).path), url)


def format_vnu_errors(errors: list[dict[str, Any]]) -> str:
    return "\n".join(f"{e['file']}:{e['line']}:{e['column']}: {e['message']}" for e in errors)


# --- axe-core ----------------------------------------------------------------


@functools.cache
def _axe_source() -> str:
    _require(AXE_JS.is_file(), f"axe-core ({AXE_JS.relative_to(ROOT)})")
    return AXE_JS.read_text(encoding="utf-8")


def axe_check(page: Page, tags: Iterable[str] = WCAG_TAGS) -> list[dict[str, Any]]:
    """Run axe-core on the page's current document; return its violations.

    Injected with page.evaluate(), i.e. through the DevTools protocol, which
    a page's CSP does not govern: add_script_tag() is blocked by the pages'
    `script-src 'self'` (and logs a CSP error). So the audit needs no
    bypass_csp=True context, and the page keeps its real CSP meanwhile,
    letting the same page also be held to "no CSP violation in the console".
    Re-run after each navigation: a new document has no axe.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Trailing expression: evaluate() must not try to return axe's value.
        page.evaluate(_axe_source() + "\n;undefined")
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }""",
        list(tags),
    )
    return list(result)


def format_axe_violations(violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        lines.extend(f"    at {t}" for t in v["targets"])
    return "\n".join(lines)


# --- network and console watchers --------------------------------------------


def origin_of(url: str) -> str:
    """scheme://host:port with the default port made explicit."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme)
    return f"{parts.scheme}://{parts.hostname}:{port}"


# These never leave the browser: nothing to flag.
_LOCAL_SCHEMES = ("data", "blob", "about", "javascript")


def collect_third_party_requests(target: Page | BrowserContext, allowed_origin: str) -> list[str]:
    """Return a list that fills with the URL of every request the page (or a
    whole context, to cover popups and workers) makes to any origin but
    allowed_origin. Attach before navigating; assert it is empty at the end."""
    allowed = origin_of(allowed_origin)
    seen: list[str] = []

    def on_request(request: Request) -> None:
        url = request.url
        if urlsplit(url).scheme not in _LOCAL_SCHEMES and origin_of(url) != allowed:
            seen.append(url)

    target.on("request", on_request)
    return seen


def collect_console_errors(page: Page) -> list[str]:
    """Return a list that fills with console errors (CSP violations are
    reported there) and uncaught page exceptions. Attach before navigating."""
    seen: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            seen.append(f"console: {msg.text} ({msg.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.append(f"pageerror: {exc}"))
    return seen


# --- loopback servers ----------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now on host (racy: prefer binding port 0 yourself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extra_headers: Mapping[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


@contextlib.contextmanager
def serve_directory(
    path: str | os.PathLike[str],
    extra_headers: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
) -> Iterator[str]:
    """Serve a static directory on a free loopback port; yield the base URL
    (no trailing slash). extra_headers go on every response (e.g. a CSP)."""
    handler = type("Handler", (_QuietHandler,), {"extra_headers": dict(extra_headers or {})})
    # Bind port 0 directly: no window for another process to take the port.
    server = http.server.ThreadingHTTPServer((host, 0), functools.partial(handler, directory=os.fspath(path)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"serve {path}", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()  # closes the socket: no ResourceWarning under -W error
        thread.join(timeout=10)
