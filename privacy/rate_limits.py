"""Rate limits that every instance of the server sees and that outlive a restart.

A ``Counter`` counts hits on one kind of value (posts per client address, requests per email address)
within a sliding window. Its hits are rows in a database the feature already writes, each a keyed hash of
the value and the moment the hit stops counting: two instances on one database enforce one limit, a restart
forgets nothing, and the count is taken in the same transaction as what it counts. Only the keyed hash is
kept, never the address, and only until its window ends.

``RateLimits`` is the storage a counter needs; each backend keeps it with its own SQL (privacy/sqlite/counters.py,
privacy/postgres/counters.py).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from typing import Protocol

# Every FORGET_EVERY hits, up to FORGET_AT_MOST expired ones are deleted: more than come in, so the table holds
# about the live hits, with no purge to schedule and little work on each hit.
FORGET_EVERY = 16
FORGET_AT_MOST = 256


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds until a hit would be allowed again (when refused)


class RateLimits(Protocol):
    """Where a counter's hits are kept, inside the caller's transaction."""

    def live_hits(self, counter: str, key: bytes, now: float) -> list[float]:
        """When each hit still counting stops counting, soonest first."""

    def add_hit(self, counter: str, key: bytes, expires_at: float) -> None: ...

    def forget_expired(self, now: float, at_most: int) -> None: ...


class Counter:
    """One limit on one kind of value. Times are Unix time (``time.time()``): instances share the clock,
    not a process's monotonic one."""

    def __init__(self, name: str, limit: Limit, secret: str) -> None:
        self.name = name
        self.limit = limit
        # A key of its own per counter: the same address hashes differently in each.
        self._key = hmac.new(secret.encode(), name.encode(), hashlib.sha256).digest()
        self._since_forget = 0

    def key(self, value: str) -> bytes:
        # Keyed BLAKE2b: a MAC like HMAC, at a quarter of its cost on the path of every banner click.
        return hashlib.blake2b(value.encode(), key=self._key, digest_size=16).digest()

    def check(self, hits: RateLimits, value: str, now: float) -> Verdict:
        """Whether one more hit is allowed, counting nothing."""
        return self._check(hits, self.key(value), now)

    def record(self, hits: RateLimits, value: str, now: float) -> None:
        self._record(hits, self.key(value), now)

    def take(self, hits: RateLimits, value: str, now: float) -> Verdict:
        """Count one hit if it is allowed; a refused one is not counted, so the window keeps sliding."""
        key = self.key(value)
        verdict = self._check(hits, key, now)
        if verdict.allowed:
            self._record(hits, key, now)
        return verdict

    def _check(self, hits: RateLimits, key: bytes, now: float) -> Verdict:
        live = hits.live_hits(self.name, key, now)
        if len(live) < self.limit.count:
            return Verdict(True)
        # The hit whose end brings the count back under the limit (more than one if the limit was lowered).
        frees_at = live[len(live) - self.limit.count]
        return Verdict(False, max(1, math.ceil(frees_at - now)))

    def _record(self, hits: RateLimits, key: bytes, now: float) -> None:
        hits.add_hit(self.name, key, now + self.limit.seconds)
        self._since_forget += 1
        if self._since_forget >= FORGET_EVERY:
            self._since_forget = 0
            hits.forget_expired(now, FORGET_AT_MOST)


def client_key(host: str) -> str:
    """What a per-client limit counts: the address, or for IPv6 its /64 — one subscriber's network, whose
    2^64 addresses a single client can walk through."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
