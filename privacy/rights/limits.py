"""Rate limits per client address and per email address, in memory.

Only a keyed hash of the address is held, never the address itself, and
only for the length of the window.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float


class SlidingWindow:
    # Bounded: a flood of distinct addresses cannot grow it without end.
    MAX_KEYS = 100_000

    def __init__(self, limit: Limit, key: str, purpose: str) -> None:
        self.limit = limit
        self._key = hmac.new(key.encode(), purpose.encode(), hashlib.sha256).digest()
        self._hits: dict[bytes, deque[float]] = {}

    def _hash(self, value: str) -> bytes:
        return hmac.new(self._key, value.encode(), hashlib.sha256).digest()[:16]

    def allow(self, value: str, now: float | None = None) -> bool:
        """Count one hit; False when the limit is already reached."""
        now = time.monotonic() if now is None else now
        key = self._hash(value)
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.limit.seconds:
            hits.popleft()
        if len(hits) >= self.limit.count:
            return False
        hits.append(now)
        if len(self._hits) > self.MAX_KEYS:
            self._forget(now)
        return True

    def _forget(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.limit.seconds]:
            del self._hits[key]
        while len(self._hits) > self.MAX_KEYS:
            del self._hits[next(iter(self._hits))]


@dataclass(frozen=True)
class Limits:
    """Set by PRIVACY_RIGHTS_LIMITS (privacy/settings.py holds the defaults and why)."""

    per_address: Limit
    per_email: Limit


