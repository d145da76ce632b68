"""What every endpoint needs: the visitor's language, a same-origin check,
a bounded body, and clear localized errors instead of tracebacks."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, TypeVar

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Send

from .codes import N_
from .i18n import SOURCE_LANGUAGE, gettext

MAX_BODY_BYTES = 16 * 1024


class BodyTooLarge(Exception):
    pass


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


def json_nesting(text: str) -> int:
    """How deep arrays and objects nest in ``text``, counted before parsing it: Python's parser recurses, and
    a few kilobytes of brackets would exhaust its stack (brackets inside an unterminated string count too)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKETS.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def request_language(request: Request, supported: list[str], explicit: str | None = None) -> str:
    """The page's language when the client says it, else Accept-Language, else English."""
    if explicit in supported:
        return explicit
    header = request.headers.get("accept-language", "")
    ranked = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((quality, tag.strip().lower()[:2]))
    for _, lang in sorted(ranked, key=lambda item: -item[0]):
        if lang in supported:
            return lang
    return SOURCE_LANGUAGE if SOURCE_LANGUAGE in supported or not supported else supported[0]


def same_origin(request: Request, own_origins: Collection[str]) -> bool:
    """Refuse cross-site posts: Sec-Fetch-Site when the browser sends it, else Origin, which must be one of
    ``own_origins`` (the configured public origin's: never worked out from the request)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        # Old browsers and non-browser clients send no Origin on same-origin form posts;
        # a cross-site browser post always carries one.
        return origin is None
    return origin.rstrip("/").lower() in own_origins


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, refused as soon as it is known to exceed ``limit`` (read straight from the server's
    messages: Starlette's stream() costs more than the bodies of our forms take to arrive)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    receive = request.receive
    body: bytes = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        body += message.get("body", b"")
        if len(body) > limit:
            raise BodyTooLarge
        if not message.get("more_body", False):
            return body


async def send_answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    """A complete response written straight to the server, for the endpoints every page calls
    (no Response object on their path). ``headers`` must not include Content-Length."""
    headers.append((b"content-length", b"%d" % len(body)))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def client_address(request: Request) -> str:
    """The address a request came from, as the server knows it (the visitor's, when the proxy is trusted to say
    it: PRIVACY_FORWARDED_ALLOW_IPS), for the per-client limits; empty when the transport gives none."""
    return request.client.host if request.client else ""


R = TypeVar("R", bound=Response)


def retry_after(response: R, seconds: int) -> R:
    """``response``, saying when a refused visitor may try again (429, 503)."""
    response.headers["Retry-After"] = str(seconds)
    return response


def error_response(
    request: Request, status: int, message: str, language: str, *, as_json: bool | None = None, **params: Any
) -> Response:
    """A 4xx whose text is in the visitor's language."""
    text = gettext(language, message) % params if params else gettext(language, message)
    wants_json = as_json if as_json is not None else "application/json" in request.headers.get("accept", "")
    headers = {"Content-Language": language}
    if wants_json:
        return JSONResponse({"error": text}, status_code=status, headers=headers)
    return PlainTextResponse(text, status_code=status, headers=headers)


_COOKIE_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~/")


def set_cookie(
    response: Response, name: str, value: str, *, max_age: int, path: str, secure: bool, samesite: str
) -> None:
    """Adds ``cookie_header``'s Set-Cookie to a response."""
    response.raw_headers.append(
        cookie_header(name, value, max_age=max_age, path=path, secure=secure, samesite=samesite)
    )


def cookie_header(
    name: str, value: str, *, max_age: int, path: str, secure: bool, samesite: str
) -> tuple[bytes, bytes]:
    """An HttpOnly cookie for a value of url-safe characters (signed tokens, random ids).

    Starlette's set_cookie goes through http.cookies' SimpleCookie, which quotes and checks any value;
    ours are always url-safe, so the header is written directly (checked, never assumed).
    """
    if not (_COOKIE_SAFE.issuperset(name) and _COOKIE_SAFE.issuperset(value) and _COOKIE_SAFE.issuperset(path)):
        raise ValueError("cookie names, values and paths here are url-safe by construction")
    header = f"{name}={value}; HttpOnly; Max-Age={max_age}; Path={path}; SameSite={samesite}"
    return (b"set-cookie", (header + "; Secure" if secure else header).encode("ascii"))


# Shared wording for the answers every endpoint may give.
TOO_LARGE = N_("This request is too large.")
CROSS_SITE = N_("This form can only be sent from this site's own pages.")
NOT_FOUND = N_("There is no such site.")
