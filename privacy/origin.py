"""The server's public origin: where every absolute URL it writes points (links in mails), and the only
address it answers to.

It comes from configuration, never from a request: a forged Host header must not put an attacker's domain
in a mail sent from the organization's address. Production names it (``PRIVACY_PUBLIC_ORIGIN``, https);
development uses the address the server listens on.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .codes import N_

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_HOSTS = ("", "0.0.0.0", "::")
DEFAULT_PORTS = {"http": 80, "https": 443}


class OriginError(ValueError):
    """``message`` is a catalog id (see SettingsError)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case, without a trailing slash; OriginError when it is not one."""
    try:
        parts = urlsplit(value.strip().rstrip("/"))
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError:
        raise OriginError(
            N_("PRIVACY_PUBLIC_ORIGIN must read like https://privacy.hospital.example (a scheme and a host, no path)")
        ) from None
    if (
        parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username is not None
        or parts.password is not None
    ):
        raise OriginError(
            N_("PRIVACY_PUBLIC_ORIGIN must read like https://privacy.hospital.example (a scheme and a host, no path)")
        )
    netloc = parts.netloc.lower()
    if parts.port == DEFAULT_PORTS[parts.scheme]:
        netloc = netloc.rsplit(":", 1)[0]
    return f"{parts.scheme}://{netloc}"


def listening_origin(host: str, port: int) -> str:
    """The origin of a development server listening on ``host``:``port``; every address counts as loopback."""
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return parse_origin(f"http://{host.lower()}:{port}")


def _names(origin: str, development: bool) -> tuple[str, tuple[str, ...], int]:
    parts = urlsplit(origin)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    host = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    # A developer opens localhost as often as 127.0.0.1: in development a loopback origin answers to each name.
    return parts.scheme, (LOOPBACK_NAMES if development and host in LOOPBACK_NAMES else (host,)), port


def accepted_hosts(origin: str, development: bool) -> frozenset[str]:
    """The Host header values that name ``origin`` (with and without its default port)."""
    scheme, names, port = _names(origin, development)
    found = {f"{name}:{port}" for name in names}
    return frozenset(found | set(names) if port == DEFAULT_PORTS[scheme] else found)


def accepted_origins(origin: str, development: bool) -> frozenset[str]:
    """The Origin header values of this server's own pages (a browser leaves the default port out)."""
    scheme, names, port = _names(origin, development)
    suffix = "" if port == DEFAULT_PORTS[scheme] else f":{port}"
    return frozenset(f"{scheme}://{name}{suffix}" for name in names)
