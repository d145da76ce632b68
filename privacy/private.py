"""Files only the server's own user may read: var/ holds health-related requests, the proof-of-consent log and
the signing key, so the folder is 0700 and each file 0600 whatever the umask of whoever started the server."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> None:
    """``path`` (and any missing parent) exists and is private; it is checked writable, so that a read-only or
    foreign folder is said at start-up rather than at the first request. OSError otherwise."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != PRIVATE_DIR:
        os.chmod(path, PRIVATE_DIR)
    probe = path / f".writable-{secrets.token_hex(6)}"
    os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    probe.unlink()


def private_file(path: Path) -> None:
    """``path`` exists, empty if it was not there, readable by its owner only. SQLite gives its -wal and -shm
    files the database's own mode, so making the database private before SQLite opens it is enough (those of an
    earlier version are made private too).

    An existing file is never opened here: closing any descriptor of a file drops the locks SQLite holds on it
    in this process (POSIX record locks), which would let another connection recover the WAL under our feet."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if each.stat().st_mode & 0o777 != PRIVATE_FILE:
                os.chmod(each, PRIVATE_FILE)
        except FileNotFoundError:
            pass


def write_new_private(path: Path, data: bytes) -> bool:
    """Writes ``path`` whole or not at all, private, if it does not exist yet: a temporary file, synced, then
    linked into place (a crash or a full disk never leaves it empty or half-written; two processes starting at
    once keep one). False when another process wrote it first."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        sync_folder(path.parent)
        return True
    finally:
        temporary.unlink(missing_ok=True)


def sync_folder(path: Path) -> None:
    """Make a name just written or renamed in ``path`` durable: it reaches the disk with its folder."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
