"""The Starlette application: security headers, the built pages, and the
endpoints a static page cannot provide (consent, rights requests)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .content import Content, load_content
from .settings import Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
SECURITY_HEADER_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Pure ASGI (not BaseHTTPMiddleware) so it costs next to nothing per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # Endpoints hardly ever set one of these themselves; when one does, its value stands.
                own = [name.lower() for name, _ in headers if name.lower() in SECURITY_HEADER_NAMES]
                headers += [h for h in SECURITY_HEADERS if h[0] not in own] if own else SECURITY_HEADERS
                if https:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PublishedPages:
    """The built pages; before the first build, a plain 404 rather than an error."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = StaticFiles(directory=directory, html=True, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.directory.is_dir():
            await PlainTextResponse("Not built yet: run python build.py", status_code=404)(scope, receive, send)
            return
        await self.files(scope, receive, send)


@dataclass
class AppState:
    settings: Settings
    content: Content


class ContentError(Exception):
    def __init__(self, content: Content) -> None:
        super().__init__("the content has errors")
        self.content = content


def open_state(settings: Settings, content: Content | None = None) -> AppState:
    from . import storage

    content = content or load_content(settings.content_dir)
    if content.errors:
        raise ContentError(content)
    storage.check(settings)  # a damaged database refuses the start (storage.DatabaseDamaged)
    return AppState(settings, content)


def feature_routes(state: AppState) -> list[BaseRoute]:
    """The endpoints of each feature; the static pages come last, at /."""
    from . import consent, rights

    return [*consent.routes(state), *rights.routes(state)]


def _lifespan(state: AppState):  # type: ignore[no-untyped-def]
    """Background work that lives as long as the server: the rights outbox worker and purges, the consent
    log's purge, and the databases' checkpoints (the last to stop: the final one follows every write)."""
    from . import consent, rights, storage

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # What is loaded at start (content, templates, catalogs) lives as long as the server: moved out of
        # the collector's reach, so its full collections stop walking it (they were the slowest requests).
        gc.collect()
        gc.freeze()
        async with storage.upkeep(state.settings), rights.background(state), consent.background(state):
            yield

    return lifespan


def create_app(settings: Settings, content: Content | None = None) -> Starlette:
    state = open_state(settings, content)
    routes = [*feature_routes(state), Mount("/", app=PublishedPages(Path(settings.public_dir)))]
    app = Starlette(routes=routes, lifespan=_lifespan(state))
    app.state.privacy = state
    app.add_middleware(SecurityHeaders)
    return app
