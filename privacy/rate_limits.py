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

    def nth_latest(self, counter: str, key: bytes, now: float, n: int) -> float | None:
        """When the ``n``-th latest hit still counting stops counting; None when fewer than ``n`` still count.

        Reads at most ``n`` entries of an index, and returns one value: a key's cost stays that of its limit,
        however many hits it has."""

    def take(self, counter: str, key: bytes, now: float, n: int, expires_at: float) -> float | None:
        """Adds a hit that stops counting at ``expires_at``, unless ``n`` hits still count: then adds nothing and
        returns ``nth_latest``. One statement where the backend can (a round trip less on every post)."""

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
        frees_at = hits.take(self.name, self.key(value), now, self.limit.count, now + self.limit.seconds)
        if frees_at is not None:
            return self._refused(frees_at, now)
        self._forget_now_and_then(hits, now)
        return Verdict(True)

    def _check(self, hits: RateLimits, key: bytes, now: float) -> Verdict:
        # The hit whose end brings the count back under the limit: the limit's count-th latest (an earlier
        # one's end is not enough when the limit was lowered).
        frees_at = hits.nth_latest(self.name, key, now, self.limit.count)
        return Verdict(True) if frees_at is None else self._refused(frees_at, now)

    @staticmethod
    def _refused(frees_at: float, now: float) -> Verdict:
        return Verdict(False, max(1, math.ceil(frees_at - now)))

    def _record(self, hits: RateLimits, key: bytes, now: float) -> None:
        hits.add_hit(self.name, key, now + self.limit.seconds)
        self._forget_now_and_then(hits, now)

    def _forget_now_and_then(self, hits: RateLimits, now: float) -> None:
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
