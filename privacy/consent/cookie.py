"""The consent cookie: what a browser carries so the server remembers a choice.

It holds a random consent id, the time of the choice, the inventory revision
and the choices — nothing that identifies a person. It is signed with every
configured key (the newest signs, all verify) so keys can be rotated without
asking everyone again, and for one site: another site's cookie (and its consent
id) is not one of ours. Anything that does not verify, or verifies only once
re-encoded, counts as "no choice yet".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadData, BadSignature, Signer
from itsdangerous.encoding import base64_decode

from ..randomness import token_urlsafe
from .inventory import ConsentInventory

_SALT = "privacy-notices.consent.v3"


def site_salt(site_id: str) -> str:
    """The signature's salt for one site: a signature for one is worth nothing for another."""
    return f"{_SALT}.{site_id}"


@dataclass(frozen=True)
class ConsentChoice:
    consent_id: str
    at: int  # seconds since the epoch, UTC
    revision: str
    choices: dict[str, bool] = field(default_factory=dict)

    def granted(self, category: str) -> bool:
        return self.choices.get(category, False)


def new_consent_id() -> str:
    """16 url-safe characters (96 random bits)."""
    return token_urlsafe(12)


class ConsentCookie:
    def __init__(self, secret_keys: tuple[str, ...]) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is needed to sign consent cookies")
        # Settings list keys newest first; itsdangerous wants them oldest first.
        self._keys = list(reversed(secret_keys))
        self._serializers: dict[str, _SignedJSON] = {}  # one per site, its keys derived once

    def _serializer(self, site_id: str) -> _SignedJSON:
        serializer = self._serializers.get(site_id)
        if serializer is None:
            serializer = self._serializers[site_id] = _SignedJSON(self._keys, site_salt(site_id))
        return serializer

    def dumps(self, choice: ConsentChoice, site_id: str) -> str:
        payload = {"i": choice.consent_id, "t": choice.at, "r": choice.revision, "c": choice.choices}
        return str(self._serializer(site_id).dumps(payload))

    def loads(self, value: str | None, site_id: str) -> ConsentChoice | None:
        """The choice signed for ``site_id``, whatever its age or revision; None when absent or not ours.
        ``site_id`` must be a site of the content (one serializer is kept for each)."""
        if not value or len(value) > 4096:
            return None
        try:
            payload: Any = self._serializer(site_id).loads(value)
        except BadData:
            return None
        return _parse(payload)

    def current(self, value: str | None, inventory: ConsentInventory, now: float | None = None) -> ConsentChoice | None:
        """The choice that still holds: signed for this site, not older than the lifetime, for this revision."""
        return still_holds(self.loads(value, inventory.site_id), inventory, now)


def still_holds(
    choice: ConsentChoice | None, inventory: ConsentInventory, now: float | None = None
) -> ConsentChoice | None:
    """``choice`` if it is for this revision and not older than the lifetime."""
    if choice is None or choice.revision != inventory.revision:
        return None
    age = (time.time() if now is None else now) - choice.at
    if age < 0 or age > inventory.lifetime_seconds:
        return None
    return choice


class _SignedJSON:
    """Compact JSON, base64url, signed with HMAC-SHA256: the newest key signs, every key verifies.

    The format is itsdangerous' Signer's (value, ".", signature, both base64url without padding), and the
    keys are derived by its Signer once, at start; the per-request steps are done here in a few C calls,
    because itsdangerous' layers of helpers cost more than the signature itself on the endpoint every page
    calls (its URLSafeSerializer would also try zlib on every cookie, for a payload too small to shrink).
    """

    def __init__(self, keys: list[str], salt: str) -> None:
        # Oldest first, as itsdangerous takes them: the last one signs.
        self._keys = [Signer(key, salt=salt, digest_method=hashlib.sha256).derive_key() for key in keys]
        self._signing_key = self._keys[-1]
        self._encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)

    def dumps(self, payload: Any) -> str:
        value = _encode(self._encoder.encode(payload).encode("ascii"))
        return (value + b"." + _encode(hmac.digest(self._signing_key, value, "sha256"))).decode("ascii")

    def loads(self, signed: str) -> Any:
        value, dot, signature = signed.encode("ascii", "replace").rpartition(b".")
        if not dot:
            raise BadSignature("no signature")
        # Compared as text with the one encoding dumps writes: base64 decoders also take padding, the other
        # alphabet, spaces and stray low bits, so a decoded comparison would accept re-encodings of a signature.
        if not any(
            hmac.compare_digest(signature, _encode(hmac.digest(key, value, "sha256"))) for key in reversed(self._keys)
        ):
            raise BadSignature("signature does not match")
        try:
            return json.loads(base64_decode(value))
        except (ValueError, BadData) as error:  # not JSON, or not base64 once the signature checked out
            raise BadData(str(error)) from None


def _encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _parse(payload: Any) -> ConsentChoice | None:
    if not isinstance(payload, dict):
        return None
    consent_id, at, revision, choices = payload.get("i"), payload.get("t"), payload.get("r"), payload.get("c")
    if not (isinstance(consent_id, str) and isinstance(at, int) and isinstance(revision, str)):
        return None
    if not isinstance(choices, dict) or not all(isinstance(k, str) and isinstance(v, bool) for k, v in choices.items()):
        return None
    return ConsentChoice(consent_id, at, revision, dict(choices))
