"""``build.py preview``: the pages on localhost, rebuilt and repainted in the browser on every save.

A file watcher (watchfiles: the operating system's change notifications, no polling of the tree) rebuilds what
changed into a folder of its own, with the templates kept compiled; each page the preview serves carries a small
script that listens to server-sent events and reloads the page when a build ends. The check's problems for the
site of the page are shown on the page itself, in its language, with the file and line to fix; the terminal
prints only the problems that are new or changed since the last build. Nothing is archived: only publishing does.
"""

from __future__ import annotations

import asyncio
import html
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from . import i18n
from .codes import N_
from .problems import Problem

EVENTS = "/__preview/events"
SCRIPT = "/__preview/live.js"
# Reloads the page when the preview says a build ended; EventSource reconnects by itself if the preview restarts.
LIVE_JS = f"new EventSource({EVENTS!r}).addEventListener('build', () => location.reload());\n"
PANEL_TITLE = N_("Problems to fix in this notice")
PANEL_NONE = N_("No problem found: this notice can be published.")
# How often a waiting event stream looks for a new build: a fraction of the time a rebuild takes.
_TICK = 0.02


@dataclass
class PreviewState:
    """The last build: its number (each one tells the browsers), its problems, and what the terminal was told."""

    generation: int = 0
    problems: list[Problem] = field(default_factory=list)
    printed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def site_problems(self, content: Path, site_id: str) -> list[Problem]:
        folder = (content / site_id).resolve()
        with self.lock:
            return [p for p in self.problems if Path(p.file).resolve().is_relative_to(folder)]


def _panel(problems: list[Problem], language: str, root: Path) -> str:
    title = html.escape(i18n.gettext(language, PANEL_TITLE))
    if not problems:
        body = f"<p>{html.escape(i18n.gettext(language, PANEL_NONE))}</p>"
    else:
        items = "".join(f"<li>{html.escape(p.render(language, root))}</li>" for p in problems)
        body = f"<h2>{title}</h2><ul>{items}</ul>"
    style = (
        "margin:0;padding:0.75rem 1rem;border-bottom:3px solid #8a1538;background:#fff4f6;color:#1b1b1b;"
        "font:0.95rem/1.4 system-ui,sans-serif"
    )
    return f'<aside class="preview-problems" role="status" aria-label="{title}" style="{style}">{body}</aside>'


def _inject(page: str, panel: str) -> str:
    script = f'<script src="{SCRIPT}" defer></script>'
    page = page.replace("</head>", f"{script}</head>", 1)
    at = page.find("<body>")
    return page if at < 0 else page[: at + 6] + panel + page[at + 6 :]


def preview_app(content: Path, out: Path, state: PreviewState) -> Starlette:
    root = out.resolve()

    async def events(request: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            seen = state.generation
            yield "retry: 500\n\n"
            waited = 0.0
            while not await request.is_disconnected():
                if state.generation != seen:
                    seen = state.generation
                    yield f"event: build\ndata: {seen}\n\n"
                await asyncio.sleep(_TICK)
                waited += _TICK
                if waited > 15:
                    waited = 0.0
                    yield ": still here\n\n"  # keeps proxies and browsers from closing an idle stream

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    async def live(request: Request) -> Response:
        return PlainTextResponse(LIVE_JS, media_type="text/javascript", headers={"Cache-Control": "no-store"})

    async def page(request: Request) -> Response:
        wanted = request.url.path.lstrip("/")
        target = (root / wanted).resolve()
        if not target.is_relative_to(root):
            return PlainTextResponse("", status_code=404)
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return PlainTextResponse("", status_code=404)
        if target.suffix != ".html":
            return FileResponse(target, headers={"Cache-Control": "no-store"})
        parts = target.relative_to(root).parts
        site_id = parts[0] if len(parts) > 2 else None
        language = i18n.supported_language(parts[1] if len(parts) > 2 else None)
        panel = _panel(state.site_problems(content, site_id), language, content.parent) if site_id else ""
        body = _inject(target.read_text(encoding="utf-8"), panel)
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    return Starlette(
        routes=[Route(EVENTS, events), Route(SCRIPT, live), Route("/{path:path}", page)],
    )


def _rebuild(content: Path, out: Path, state: PreviewState, renderer: object, language: str) -> None:
    from .incremental import Survey, load_manifest, shared_fingerprint, site_hashes
    from .pipeline import build

    found = Survey(shared_fingerprint(content, None), site_hashes(content), load_manifest(out))
    result = build(content, out, None, renderer=renderer, found=found)  # type: ignore[arg-type]
    here = Path.cwd()
    rendered = [p.render(language, here) for p in result.problems]
    with state.lock:
        state.problems = list(result.problems)
        new = [text for text in rendered if text not in state.printed]
        state.printed = set(rendered)
        state.generation += 1
    if new:
        sys.stderr.write("".join(text + "\n" for text in new))


def watch_and_rebuild(
    content: Path, out: Path, state: PreviewState, language: str, stop: threading.Event, ready: threading.Event
) -> None:
    """Build once, then again on every change of the content, the templates or the catalogs, until ``stop``."""
    from watchfiles import watch

    from .incremental import ROOT
    from .render import TEMPLATES_DIR, Renderer

    renderer = Renderer(cache_dir=out.with_name(f".{out.name}-cache"))
    _rebuild(content, out, state, renderer, language)
    ready.set()
    watched = [content, TEMPLATES_DIR, i18n.LOCALES_DIR, ROOT / "widget"]
    # A save is often several writes (an editor's temporary file, then a rename): 20 ms gathers them.
    for changes in watch(*[p for p in watched if p.exists()], stop_event=stop, debounce=20, step=5):
        if any(Path(path).suffix in (".html", ".po", ".css", ".js") for _, path in changes):
            renderer = Renderer(cache_dir=renderer.cache_dir)  # templates or catalogs changed
        _rebuild(content, out, state, renderer, language)


def run_preview(content: Path, host: str, port: int, language: str) -> int:
    import uvicorn

    language = i18n.supported_language(language)
    folder = Path(tempfile.mkdtemp(prefix="privacy-preview-"))
    out = folder / "public"
    state, stop, ready = PreviewState(), threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch_and_rebuild, args=(content, out, state, language, stop, ready), daemon=True)
    watcher.start()
    ready.wait()
    said = i18n.gettext(
        language, N_("preview of %(content)s at http://%(host)s:%(port)d/ — every save repaints the page; Ctrl+C stops")
    )
    print(said % {"content": content, "host": host, "port": port}, file=sys.stderr)
    try:
        uvicorn.run(preview_app(content, out, state), host=host, port=port, log_level="warning", access_log=False)
    finally:
        stop.set()
        watcher.join(timeout=2)
    return 0


def wait_for_generation(state: PreviewState, after: int, timeout: float) -> bool:
    """Whether a build after ``after`` ended within ``timeout`` seconds (for tests and the benchmark)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if state.generation > after:
            return True
        time.sleep(0.005)
    return False


class RunningPreview:
    """A preview on a free loopback port, in this process (the tests and the benchmark use it)."""

    def __init__(self, content: Path, out: Path, language: str = "en") -> None:
        import socket

        import uvicorn

        self.content, self.out, self.state = content, out, PreviewState()
        self._stop, self._ready = threading.Event(), threading.Event()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._watcher = threading.Thread(
            target=watch_and_rebuild, args=(content, out, self.state, language, self._stop, self._ready), daemon=True
        )
        config = uvicorn.Config(
            preview_app(content, out, self.state), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._serving = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> RunningPreview:
        self._watcher.start()
        if not self._ready.wait(60):
            raise RuntimeError("the preview's first build did not end within 60 s")
        self._serving.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._stop.set()
        self._serving.join(timeout=5)
        self._watcher.join(timeout=5)
