"""``build.py preview``: the pages on localhost, rebuilt and repainted in the browser on every save.

A file watcher (watchfiles: the operating system's change notifications, no polling of the tree) rebuilds what
changed into a folder of its own, with the templates kept compiled; each page the preview serves carries a small
script (preview_live.js) that hears over server-sent events which sites a build rebuilt, and repaints its page in
place when its own site is one of them. The check's problems for the site of the page are shown on the page
itself, in its language, with the file and line to fix; the terminal prints only the problems that are new or
changed since the last build. Nothing is archived: only publishing does.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterable
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
LIVE_JS = (Path(__file__).with_name("preview_live.js")).read_text(encoding="utf-8")
PANEL_TITLE = N_("Problems to fix in this notice")
PANEL_NONE = N_("No problem found: this notice can be published.")
# An idle event stream says it is still there this often, so that proxies and browsers keep it open.
_KEEPALIVE = 15.0
# The builds an event stream may have missed while it was sending (each says which sites it rebuilt).
_RECENT_BUILDS = 64
_Listener = tuple[asyncio.AbstractEventLoop, asyncio.Event]
_MEMORY = Path("/dev/shm")


@dataclass
class PreviewState:
    """The last build: its number (each one tells the browsers), which sites it rebuilt, its problems, and what
    the terminal was told; and the event streams waiting to hear of the next one."""

    generation: int = 0
    problems: list[Problem] = field(default_factory=list)
    printed: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (generation, the sites it rebuilt, or None: every page may have changed)
    recent: list[tuple[int, frozenset[str] | None]] = field(default_factory=list)
    listeners: set[_Listener] = field(default_factory=set)
    closed: bool = False
    # When the last build started and ended (time.perf_counter), for the benchmark's account of a save.
    build_started: float = 0.0
    build_ended: float = 0.0

    def site_problems(self, content: Path, site_id: str) -> list[Problem]:
        folder = (content / site_id).resolve()
        with self.lock:
            return [p for p in self.problems if Path(p.file).resolve().is_relative_to(folder)]

    def built(self, problems: list[Problem], sites: frozenset[str] | None) -> None:
        """A build ended: record it, then wake every event stream at once (no stream polls)."""
        with self.lock:
            self.problems = problems
            self.generation += 1
            self.recent = [*self.recent[1 - _RECENT_BUILDS :], (self.generation, sites)]
            listeners = list(self.listeners)
        for loop, wake in listeners:
            loop.call_soon_threadsafe(wake.set)

    def since(self, seen: int) -> tuple[int, list[str] | None]:
        """The last generation and the sites rebuilt after ``seen`` (None: every page)."""
        with self.lock:
            newer = [sites for generation, sites in self.recent if generation > seen]
            missed = not self.recent or self.recent[0][0] > seen + 1
            generation = self.generation
        rebuilt: set[str] = set()
        for sites in newer:
            if sites is None or missed:
                return generation, None
            rebuilt |= sites
        return generation, sorted(rebuilt)

    def close(self) -> None:
        """The preview stops: every event stream ends."""
        with self.lock:
            self.closed = True
            listeners = list(self.listeners)
        for loop, wake in listeners:
            loop.call_soon_threadsafe(wake.set)


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
    # A classic script at the end of the body runs before any deferred one (the widget's): it sees the body as
    # served, which is what it compares each new build's page with.
    page = page.replace("</body>", f'<script src="{SCRIPT}"></script></body>', 1)
    at = page.find("<body>")
    return page if at < 0 else page[: at + 6] + panel + page[at + 6 :]


def preview_app(content: Path, out: Path, state: PreviewState) -> Starlette:
    root = out.resolve()

    async def events(request: Request) -> Response:
        wake = asyncio.Event()
        listener = (asyncio.get_running_loop(), wake)

        async def stream() -> AsyncIterator[str]:
            # Starlette ends this generator when the browser goes away.
            seen = state.generation
            with state.lock:
                state.listeners.add(listener)
            try:
                yield "retry: 500\n\n"
                while not state.closed:
                    try:
                        await asyncio.wait_for(wake.wait(), _KEEPALIVE)
                    except TimeoutError:
                        yield ": still here\n\n"
                        continue
                    wake.clear()
                    if state.generation != seen and not state.closed:
                        seen, sites = state.since(seen)
                        yield f"event: build\ndata: {json.dumps({'generation': seen, 'sites': sites})}\n\n"
            finally:
                with state.lock:
                    state.listeners.discard(listener)

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


def _rebuild(
    content: Path,
    out: Path,
    state: PreviewState,
    renderer: object,
    language: str,
    shared: str,
    sites: frozenset[str] | None,
) -> None:
    from .incremental import Survey, load_manifest, site_hashes
    from .pipeline import build

    started = time.perf_counter()
    found = Survey(shared, site_hashes(content), load_manifest(out))
    leftovers: list[Path] = []
    result = build(content, out, None, renderer=renderer, found=found, retire=leftovers.append)  # type: ignore[arg-type]
    here = Path.cwd()
    rendered = [p.render(language, here) for p in result.problems]
    with state.lock:
        new = [text for text in rendered if text not in state.printed]
        state.printed = set(rendered)
    state.build_started, state.build_ended = started, time.perf_counter()
    state.built(list(result.problems), sites)
    # Removing the previous pages' folders is left until the browsers have been told.
    for folder in leftovers:
        shutil.rmtree(folder, ignore_errors=True)
    if new:
        sys.stderr.write("".join(text + "\n" for text in new))


def sites_changed(content: Path, paths: Iterable[str]) -> frozenset[str] | None:
    """The sites whose own files changed, or None when a change reaches every page (templates, catalogs,
    widget, the registry)."""
    folder = content.resolve()
    sites = set()
    for path in paths:
        where = Path(path).resolve()
        if not where.is_relative_to(folder) or len(where.relative_to(folder).parts) < 2:
            return None
        site = where.relative_to(folder).parts[0]
        if site.startswith(("_", ".")):
            return None
        sites.add(site)
    return frozenset(sites)


def watch_and_rebuild(
    content: Path, out: Path, state: PreviewState, language: str, stop: threading.Event, ready: threading.Event
) -> None:
    """Build once, then again on every change of the content, the templates or the catalogs, until ``stop``."""
    from watchfiles import watch

    from .incremental import ROOT, shared_fingerprint
    from .render import TEMPLATES_DIR, Renderer

    renderer = Renderer(cache_dir=out.with_name(f".{out.name}-cache"))
    # What every page shares is read again only when a change reaches it, not on each save of a policy.yaml.
    shared = shared_fingerprint(content, None)
    _rebuild(content, out, state, renderer, language, shared, None)
    ready.set()
    watched = [content, TEMPLATES_DIR, i18n.LOCALES_DIR, ROOT / "widget"]
    # A save is often several writes (an editor's temporary file, then a rename): 20 ms gathers them.
    for changes in watch(*[p for p in watched if p.exists()], stop_event=stop, debounce=20, step=5):
        sites = sites_changed(content, (path for _, path in changes))
        if sites is None:
            shared = shared_fingerprint(content, None)
        if any(Path(path).suffix in (".html", ".po", ".css", ".js") for _, path in changes):
            renderer = Renderer(cache_dir=renderer.cache_dir)  # templates or catalogs changed
        _rebuild(content, out, state, renderer, language, shared, sites)


def scratch_folder() -> Path:
    """A folder for the pages of one preview, removed when it stops. Rewritten on every save and never kept,
    they go to memory (a tmpfs such as /dev/shm, where the system has one): on disk, each save's renames waited
    behind other programs' writes in the file system's journal."""
    memory = _MEMORY if _MEMORY.is_dir() and os.access(_MEMORY, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="privacy-preview-", dir=memory))


def run_preview(content: Path, host: str, port: int, language: str) -> int:
    import uvicorn

    language = i18n.supported_language(language)
    folder = scratch_folder()
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
        # Open event streams never end by themselves: Ctrl+C waits a second for them, not for ever.
        uvicorn.run(
            preview_app(content, out, state),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
    finally:
        state.close()
        stop.set()
        watcher.join(timeout=2)
        shutil.rmtree(folder, ignore_errors=True)
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

    def __init__(self, content: Path, out: Path | None = None, language: str = "en") -> None:
        """``out``: where the pages go (by default, as build.py preview does: a scratch folder, removed after)."""
        import socket

        import uvicorn

        self._scratch = scratch_folder() if out is None else None
        if self._scratch is not None:
            out = self._scratch / "public"
        assert out is not None
        self.content, self.out, self.state = content, out, PreviewState()
        self._stop, self._ready = threading.Event(), threading.Event()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._watcher = threading.Thread(
            target=watch_and_rebuild, args=(content, out, self.state, language, self._stop, self._ready), daemon=True
        )
        config = uvicorn.Config(
            preview_app(content, out, self.state),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_graceful_shutdown=1,
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
        self.state.close()
        self._server.should_exit = True
        self._stop.set()
        self._serving.join(timeout=5)
        self._watcher.join(timeout=5)
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
