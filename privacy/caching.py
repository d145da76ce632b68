"""How long browsers and proxies keep the built files, and their compression.

A file whose name carries its content hash (``notice.3f2a9c1d0b.css``) never changes: it is kept for a year.
The widget's stable addresses (``/assets/consent.js``), pasted once into an organization's templates, change with
each release: kept a few minutes, then revalidated (ETag, 304). Pages are revalidated on every visit, so a rebuild
is seen at once. Text is gzipped for the browsers that accept it.
"""

from __future__ import annotations

import re

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HASHED = re.compile(r"\.[0-9a-f]{10}\.[a-z0-9]+$")
FOREVER = b"public, max-age=31536000, immutable"
STABLE_ASSET = b"public, max-age=300, must-revalidate"
PAGE = b"no-cache"
# Small answers gain nothing from compression (and a 304 has no body).
GZIP_MINIMUM = 512


def cache_control(path: str) -> bytes:
    if HASHED.search(path):
        return FOREVER
    if path.startswith("/assets/"):
        return STABLE_ASSET
    return PAGE


class CachedFiles:
    """Cache-Control by kind of file, and gzip, around the app that serves the built files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = GZipMiddleware(app, minimum_size=GZIP_MINIMUM, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = cache_control(scope["path"])

        async def send_with_caching(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers.append((b"cache-control", policy))
                if any(k.lower() == b"content-encoding" for k, _ in headers):
                    # The gzipped body is another representation of the same file: its ETag is weak.
                    headers = [
                        (k, b"W/" + v if k.lower() == b"etag" and not v.startswith(b"W/") else v) for k, v in headers
                    ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_caching)
