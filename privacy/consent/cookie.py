"""The consent cookie: what a browser carries so the server remembers a choice.

It holds a random consent id, the time of the choice, the inventory revision
and the choices — nothing that identifies a person. It is signed with every
configured key (the newest signs, all verify) so keys can be rotated without
asking everyone again. Anything that does not verify counts as "no choice yet".
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadData, Signer
from itsdangerous.encoding import base64_decode, base64_encode

from .inventory import ConsentInventory

_SALT = "privacy-notices.consent.v2"


@dataclass(frozen=True)
class ConsentChoice:
    consent_id: str
    at: int  # seconds since the epoch, UTC
    revision: str
    choices: dict[str, bool] = field(default_factory=dict)

    def granted(self, category: str) -> bool:
        return self.choices.get(category, False)


class _RandomPool:
    """Random bytes from the operating system's CSPRNG, drawn a few kilobytes at a time: one system call
    per 340 consent ids instead of one each (it was a twentieth of POST /consent's time)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._buffer = b""
        self._at = 0
        # A forked worker must never replay its parent's bytes: a new process draws its own.
        os.register_at_fork(after_in_child=self.discard)

    def discard(self) -> None:
        self._buffer, self._at = b"", 0

    def take(self, n: int) -> bytes:
        if self._at + n > len(self._buffer):
            self._buffer, self._at = secrets.token_bytes(self._size), 0
        chunk = self._buffer[self._at : self._at + n]
        self._at += n
        return chunk


_random = _RandomPool()


def new_consent_id() -> str:
    """16 url-safe characters (96 random bits), as secrets.token_urlsafe(12) gives."""
    return base64.urlsafe_b64encode(_random.take(12)).decode("ascii")


class ConsentCookie:
    def __init__(self, secret_keys: tuple[str, ...]) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is needed to sign consent cookies")
        # Settings list keys newest first; itsdangerous wants them oldest first.
        self._serializer = _SignedJSON(list(reversed(secret_keys)), _SALT)

    def dumps(self, choice: ConsentChoice) -> str:
        payload = {"i": choice.consent_id, "t": choice.at, "r": choice.revision, "c": choice.choices}
        return str(self._serializer.dumps(payload))

    def loads(self, value: str | None) -> ConsentChoice | None:
        """The signed choice, whatever its age or revision; None when absent or not ours."""
        if not value or len(value) > 4096:
            return None
        try:
            payload: Any = self._serializer.loads(value)
        except BadData:
            return None
        return _parse(payload)

    def current(
        self, value: str | None, inventory: ConsentInventory, now: float | None = None
    ) -> ConsentChoice | None:
        """The choice that still holds: signed, not older than the lifetime, for this revision."""
        return still_holds(self.loads(value), inventory, now)


def still_holds(choice: ConsentChoice | None, inventory: ConsentInventory, now: float | None = None) -> ConsentChoice | None:
    """``choice`` if it is for this revision and not older than the lifetime."""
    if choice is None or choice.revision != inventory.revision:
        return None
    age = (time.time() if now is None else now) - choice.at
    if age < 0 or age > inventory.lifetime_seconds:
        return None
    return choice


class _SignedJSON:
    """Compact JSON, base64url, signed (HMAC-SHA256) with itsdangerous' Signer: the newest key signs,
    every key verifies.

    itsdangerous' URLSafeSerializer would also try zlib on every cookie: a sixth of POST /consent's time,
    for a payload too small to shrink.
    """

    def __init__(self, keys: list[str], salt: str) -> None:
        self._signer = _KeyCachingSigner(keys, salt=salt, digest_method=hashlib.sha256)

    def dumps(self, payload: Any) -> str:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
        return self._signer.sign(base64_encode(text)).decode("ascii")

    def loads(self, value: str) -> Any:
        try:
            return json.loads(base64_decode(self._signer.unsign(value)))
        except ValueError as error:  # not JSON, or not base64 once the signature checked out
            raise BadData(str(error)) from None


class _KeyCachingSigner(Signer):
    """itsdangerous' Signer derives the signing key from the secret and salt on every call (one more
    HMAC); the keys never change while the server runs, so each is derived once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        cache_key = secret_key.encode() if isinstance(secret_key, str) else secret_key
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = self._derived[cache_key] = super().derive_key(secret_key)
        return derived


def _parse(payload: Any) -> ConsentChoice | None:
    if not isinstance(payload, dict):
        return None
    consent_id, at, revision, choices = payload.get("i"), payload.get("t"), payload.get("r"), payload.get("c")
    if not (isinstance(consent_id, str) and isinstance(at, int) and isinstance(revision, str)):
        return None
    if not isinstance(choices, dict) or not all(isinstance(k, str) and isinstance(v, bool) for k, v in choices.items()):
        return None
    return ConsentChoice(consent_id, at, revision, dict(choices))
