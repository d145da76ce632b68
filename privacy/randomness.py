"""Random tokens (consent ids, request references, receipts) from the operating system's CSPRNG.

The bytes are what ``secrets`` gives (os.urandom), drawn a few kilobytes at a time: ``secrets`` makes one
system call per token, and ``secrets.choice`` one per character, which on the endpoints every page and form
calls was a twentieth of a request's time. The pool is shared by the threads that draw from it (the event loop,
the storage backends' threads): each draw takes its bytes under a lock, so no two draws ever get the same ones.
"""

from __future__ import annotations

import base64
import os
import threading


class _Pool:
    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._buffer = b""
        self._at = 0
        self._lock = threading.Lock()
        # A forked worker must never replay its parent's bytes: a new process draws its own.
        os.register_at_fork(after_in_child=self.discard)

    def discard(self) -> None:
        # After a fork the child has one thread: a lock held by another thread of the parent is never released.
        self._lock = threading.Lock()
        self._buffer, self._at = b"", 0

    def take(self, n: int) -> bytes:
        if n > self._size:
            return os.urandom(n)
        with self._lock:
            if self._at + n > len(self._buffer):
                self._buffer, self._at = os.urandom(self._size), 0
            chunk = self._buffer[self._at : self._at + n]
            self._at += n
        return chunk


_pool = _Pool()


def token_bytes(n: int) -> bytes:
    return _pool.take(n)


def token_urlsafe(n: int) -> str:
    """As secrets.token_urlsafe(n): n random bytes, base64url without padding."""
    return base64.urlsafe_b64encode(_pool.take(n)).rstrip(b"=").decode("ascii")


def random_string(alphabet: str, length: int) -> str:
    """``length`` characters drawn uniformly from ``alphabet`` (at most 256 characters), as secrets.choice."""
    size = len(alphabet)
    if not 0 < size <= 256:
        raise ValueError("the alphabet must have between 1 and 256 characters")
    # Bytes at or above the largest multiple of the alphabet's size are dropped, so no character is favoured.
    limit = 256 - 256 % size
    chosen: list[str] = []
    while len(chosen) < length:
        chosen += [alphabet[b % size] for b in _pool.take(length - len(chosen) + 4) if b < limit]
    return "".join(chosen[:length])
