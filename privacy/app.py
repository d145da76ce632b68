"""The Starlette application: security headers, the public address, the built
pages, and the endpoints a static page cannot provide (consent, rights requests)."""

from __future__ import annotations

import gc
import posixpath
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path, PurePosixPath

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .assembly import ContentError, Server, assemble
from .caching import CachedFiles
from .codes import N_
from .command_line import documented_command
from .content import Content
from .i18n import available_languages
from .incremental import MANIFEST
from .settings import Settings
from .web import error_response, request_language

WRONG_HOST = N_("This server answers only at its own address: %(origin)s")
HTTPS_ONLY = N_("This site is served over HTTPS only: open %(origin)s")
NOT_BUILT = N_("Not built yet: run %(command)s")
SERVER_ERROR = N_("Something went wrong on our side. Please try again in a moment.")
# What the build writes for itself beside the pages (its manifest: server paths, compliance warnings).
PRIVATE_OUTPUT = PurePosixPath(MANIFEST).parts[0]

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
    """Pure ASGI (not BaseHTTPMiddleware) so it costs next to nothing per request. It wraps the whole app,
    Starlette's error handling included, so that a 500 carries the headers too.

    ``server_sends``: the HTTP server adds ``static_headers`` to every answer itself, its own errors included
    (uvicorn's ``headers``), and this adds only what depends on the request.
    """

    def __init__(self, app: ASGIApp, production: bool, server_sends: bool = False) -> None:
        self.app = app
        self.production = production
        self.server_sends = server_sends

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Production answers only over HTTPS (PublicAddress): HSTS on every answer, among the static headers
        # when the server sends those; in development, on the answers that go over HTTPS.
        hsts = not self.server_sends if self.production else scope.get("scheme") == "https"
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                if not self.server_sends:
                    # Endpoints hardly ever set one of these themselves; when one does, its value stands.
                    own = [name.lower() for name, _ in headers if name.lower() in SECURITY_HEADER_NAMES]
                    headers += [h for h in SECURITY_HEADERS if h[0] not in own] if own else SECURITY_HEADERS
                if hsts:
                    headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:  # what the HTTP server would answer, with the headers
                await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send_with_headers)
            raise


def static_headers(production: bool) -> list[tuple[bytes, bytes]]:
    """The headers of every answer, whatever the request: for the HTTP server to add (``server_sends``)."""
    return [*SECURITY_HEADERS, HSTS] if production else list(SECURITY_HEADERS)


class PublicAddress:
    """Answers only requests for the configured public origin (a 400 for another Host), and in production only
    over HTTPS as the trusted proxy declares it."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.origin = settings.public_origin
        self.hosts = settings.public_hosts
        self.production = settings.production

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hosts = [value for name, value in scope["headers"] if name == b"host"]
        refusal = None
        # Exactly one Host: with two, a proxy and this server could each read a different one.
        if len(hosts) != 1 or hosts[0].decode("latin-1").lower() not in self.hosts:
            refusal = WRONG_HOST
        elif self.production and scope.get("scheme") != "https":
            refusal = HTTPS_ONLY
        if refusal is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        language = request_language(request, available_languages())
        await error_response(request, 400, refusal, language, origin=self.origin)(scope, receive, send)


async def server_error(request: Request, error: Exception) -> Response:
    """A 500 in the visitor's language (the error itself goes to the log, never to the visitor)."""
    return error_response(request, 500, SERVER_ERROR, request_language(request, available_languages()))


class PrivacyApp(Starlette):
    def __init__(self, *args: object, production: bool, server_sends_headers: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._header_options = (production, server_sends_headers)

    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware, so that its 500 carries the headers.
        return SecurityHeaders(super().build_middleware_stack(), *self._header_options)


class PublishedPages:
    """The built pages; before the first build, a plain 404 rather than an error."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = CachedFiles(StaticFiles(directory=directory, html=True, check_dir=False))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Every segment, after . and .. are resolved the way the file lookup resolves them.
        if PRIVATE_OUTPUT in posixpath.normpath("/" + scope["path"]).casefold().split("/"):
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        if not self.directory.is_dir():
            request = Request(scope)
            language = request_language(request, available_languages())
            answer = error_response(request, 404, NOT_BUILT, language, command=documented_command("build.py"))
            await answer(scope, receive, send)
            return
        await self.files(scope, receive, send)


def _lifespan(server: Server) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # What is loaded at start (content, templates, catalogs) lives as long as the server: moved out of
        # the collector's reach, so its full collections stop walking it (they were the slowest requests).
        gc.collect()
        gc.freeze()
        async with server.running():
            yield

    return lifespan


def create_app(settings: Settings, content: Content | None = None, *, server_sends_headers: bool = False) -> Starlette:
    """The server ``assembly.assemble`` builds, as an ASGI app. ``server_sends_headers``: the HTTP server adds
    ``static_headers`` itself (see SecurityHeaders)."""
    server = assemble(settings, content)
    routes = [*server.routes(), Mount("/", app=PublishedPages(Path(settings.public_dir)))]
    app = PrivacyApp(
        routes=routes,
        lifespan=_lifespan(server),
        exception_handlers={Exception: server_error},
        production=settings.production,
        server_sends_headers=server_sends_headers,
    )
    app.state.privacy = server
    app.add_middleware(PublicAddress, settings=settings)
    return app


__all__ = ["ContentError", "create_app", "static_headers"]
