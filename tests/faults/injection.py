"""Storage faults made by SQLite itself on a running app's own connections, no mock in between.

``full``: each connection may no longer grow its database (``PRAGMA max_page_count`` at the current size), so
the next write that needs a page fails with SQLite's own "database or disk is full" — what a full disk gives.
``read_only``: ``PRAGMA query_only``, and every write fails with "attempt to write a readonly database". Reads
go on in both, as on a real full or read-only disk. A disk that refuses every write (a failing one, or a
filesystem remounted read-only: "disk I/O error") is made for a server process with its file-size limit
(``refuse_writes``), in test_storage_faults.
"""

from __future__ import annotations

import resource
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from starlette.applications import Starlette

Fault = Literal["full", "read_only"]
NO_LIMIT = 1073741823  # SQLite's largest max_page_count


def connections(app: Starlette) -> list[sqlite3.Connection]:
    """Every connection the app writes through: each database's group commit and the connections of its pool
    (the outbox worker's, the DPO desk's)."""
    stores = app.state.privacy.stores
    return [*stores.rights.connections(), *stores.consent.connections()]


@contextmanager
def storage_fault(app: Starlette, fault: Fault) -> Iterator[None]:
    targets = connections(app)
    for db in targets:
        if fault == "full":
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {pages}")
        else:
            db.execute("PRAGMA query_only = 1")
    try:
        yield
    finally:
        for db in targets:
            db.execute(f"PRAGMA max_page_count = {NO_LIMIT}" if fault == "full" else "PRAGMA query_only = 0")


def refuse_writes(pid: int, refusing: bool) -> None:
    """Sets (or lifts) a running process's file-size limit to 0: its every write to a file fails (EFBIG), which
    SQLite reports as a disk I/O error — a disk that takes nothing more, without root or a mount. The process
    must ignore SIGXFSZ (``ignore_file_size_signal``), else the kernel stops it at the first write."""
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (0 if refusing else hard, hard))


def ignore_file_size_signal() -> None:
    """For ``subprocess.Popen(preexec_fn=...)``: an ignored signal stays ignored across exec."""
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
