"""Random tokens drawn from a pool of the system's random bytes: unbiased, and never shared with a child process."""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest

from privacy.randomness import random_string, token_bytes, token_urlsafe


def test_tokens_never_repeat_across_refills_of_the_pool() -> None:
    tokens = [token_urlsafe(24) for _ in range(2000)]  # 48 KB: a dozen refills
    assert len(set(tokens)) == len(tokens)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)
    assert len(token_bytes(10_000)) == 10_000  # larger than the pool: drawn directly


def test_random_strings_use_every_character_of_the_alphabet_evenly() -> None:
    alphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # 30 characters: 256 is not a multiple of it
    drawn = Counter(random_string(alphabet, 120_000))
    assert set(drawn) == set(alphabet)
    # 4,000 expected each. Taking bytes modulo 30 would favour the first 16 characters (9 bytes in 256 each
    # against 8): about 4,220 against 3,750 on average. Unbiased, both averages stay within ~15 of 4,000.
    first, rest = [drawn[c] for c in alphabet[:16]], [drawn[c] for c in alphabet[16:]]
    assert abs(sum(first) / 16 - sum(rest) / 14) < 100
    with pytest.raises(ValueError):
        random_string("", 3)


def test_a_forked_process_draws_its_own_bytes() -> None:
    token_bytes(1)  # the parent's pool now holds bytes a child could replay
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write, token_bytes(24))
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    from_child = os.read(read, 1000)
    os.close(read)
    assert len(from_child) == 24 and from_child != token_bytes(24)


def test_threads_drawing_at_once_never_get_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from privacy import randomness

    class SlowToSlice(bytes):
        """A buffer whose slicing lets another thread run in the middle of a draw."""

        def __getitem__(self, index):  # type: ignore[no-untyped-def]
            time.sleep(0.01)
            return super().__getitem__(index)

    pool = randomness._Pool()
    monkeypatch.setattr(pool, "_buffer", SlowToSlice(os.urandom(4096)))
    drawn: list[bytes] = []
    threads = [threading.Thread(target=lambda: drawn.append(pool.take(16))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(set(drawn)) == len(drawn) == 4
