"""The embedded backend's two SQLite databases as the operator looks after them: checked at start, their write-ahead logs
checkpointed regularly and at shutdown, and copied online for backups.

In WAL mode a commit lands in the ``-wal`` file first; until a checkpoint moves it into the database file, a
copy of that file alone misses it and a damaged log loses it. So the log is moved in every minute and at every
clean stop, and a backup goes through SQLite's backup API, which copies what is committed, log included.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from . import wal
from .codes import N_
from .private import sync_folder
from .settings import Settings
from .sqlite.database import checkpoint
from .stores import StorageRefused

# A minute of commits at most sits in a log only.
CHECKPOINT_EVERY_SECONDS = 60.0

DAMAGED = N_(
    "the database %(path)s is damaged (SQLite's check says: %(problem)s). The server will not start on "
    "it: restore the last backup (README, “Backups”), or keep this file aside and try "
    "sqlite3 %(path)s .recover; then start again"
)
LOG_DAMAGED = N_(
    "the write-ahead log of the database %(path)s (its -wal file) is damaged: SQLite would silently drop "
    "the %(problem)s pages written after the damage, and the last commits with them. The server will "
    "not start on it: restore the last backup (README, “Backups”), keeping this log aside; or, to "
    "accept the loss, move %(path)s-wal aside; then start again"
)
UNREADABLE = N_(
    "the database %(path)s cannot be opened (%(problem)s): check that it is a database of this server "
    "and that its folder can be written to, then start again"
)


class DatabaseDamaged(StorageRefused):
    """A database that fails its check at start; ``message`` is a catalog id."""

    def __init__(self, message: str, path: Path, problem: str) -> None:
        super().__init__(message, path=str(path), problem=problem)


def databases(settings: Settings) -> tuple[Path, Path]:
    """The rights requests (with their outbox), then the proof-of-consent log."""
    return settings.database, settings.consent_log


def problems(path: Path) -> str | None:
    """What ``PRAGMA quick_check`` finds wrong with an existing database (None: it passes, or does not exist yet).
    quick_check reads every page, log included, in a fraction of integrity_check's time."""
    if not path.exists():
        return None
    db = sqlite3.connect(path, timeout=10)
    try:
        return _failures(db)
    finally:
        db.close()


def _failures(db: sqlite3.Connection) -> str | None:
    found = [row[0] for row in db.execute("PRAGMA quick_check(5)")]
    return None if found == ["ok"] else "; ".join(found)


def check(settings: Settings) -> None:
    """Refuses to start on a database that fails its check: serving on it would lose requests unseen."""
    check_files(databases(settings))


def check_files(paths: tuple[Path, ...] | list[Path]) -> None:
    """Each file's write-ahead log, then the file itself (``DatabaseDamaged``). The log is read before any
    connection opens the database: opening it replays the log, and the next commit overwrites what it dropped."""
    for path in paths:
        damaged = wal.damage(path)
        if damaged is not None:
            raise DatabaseDamaged(LOG_DAMAGED, path, str(damaged.dropped_frames))
        try:
            found = problems(path)
        except sqlite3.DatabaseError as error:  # "file is not a database", "database disk image is malformed"
            message = DAMAGED if "malformed" in str(error) or "not a database" in str(error) else UNREADABLE
            raise DatabaseDamaged(message, path, str(error)) from None
        if found is not None:
            raise DatabaseDamaged(DAMAGED, path, found)


def checkpoint_all(settings: Settings, mode: str = "PASSIVE") -> None:
    for path in databases(settings):
        checkpoint(path, mode)  # type: ignore[arg-type]


@asynccontextmanager
async def upkeep(settings: Settings) -> AsyncIterator[None]:
    """For the server's lifetime: the logs checkpointed every minute (PASSIVE: never waits for a writer), and
    emptied into the databases at a clean stop (TRUNCATE), once the features have stopped writing."""
    from .periodic import every

    try:
        async with every(
            CHECKPOINT_EVERY_SECONDS, lambda: asyncio.to_thread(checkpoint_all, settings), "checkpointing the databases"
        ):
            yield
    finally:
        await asyncio.to_thread(checkpoint_all, settings, "TRUNCATE")


@dataclass(frozen=True)
class Copied:
    source: Path
    copy: Path


class BackupRefused(Exception):
    """A backup that cannot be made; ``message`` is a catalog id."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params)
        self.message = message
        self.params = params


INTO_ITSELF = N_("%(destination)s would overwrite the database %(source)s itself: give another folder")
NOT_WRITTEN = N_(
    "the copy of %(source)s could not be written to %(destination)s (%(problem)s): nothing was "
    "replaced there; free some space or choose another folder"
)


def backup(settings: Settings, destination: Path) -> list[Copied]:
    """A consistent copy of each database, as of one moment each, taken while the server runs (SQLite's backup
    API under one read transaction: writers go on meanwhile). Each copy is one self-contained file (no log),
    readable by its owner only, checked, and put in place atomically: an older copy is replaced only by a
    complete one."""
    try:
        destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupRefused(
            NOT_WRITTEN,
            source=", ".join(str(p) for p in databases(settings)),
            destination=str(destination),
            problem=str(error),
        ) from None
    copied = []
    for source in databases(settings):
        if not source.exists():
            continue
        target = destination / source.name
        if target.resolve() == source.resolve():
            raise BackupRefused(INTO_ITSELF, destination=str(destination), source=str(source))
        partial = destination / f".{source.name}.partial"
        try:
            # Made 0600 before SQLite writes a byte of it, whatever the umask.
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            os.chmod(partial, 0o600)
            _copy(source, partial)
            os.replace(partial, target)
            sync_folder(destination)
        except (OSError, sqlite3.Error) as error:
            partial.unlink(missing_ok=True)
            raise BackupRefused(
                NOT_WRITTEN, source=str(source), destination=str(destination), problem=str(error)
            ) from None
        copied.append(Copied(source, target))
    return copied


def _copy(source: Path, partial: Path) -> None:
    live = sqlite3.connect(source, timeout=10)
    copy = sqlite3.connect(partial)
    try:
        live.backup(copy)  # every page in one step: one read transaction, so one consistent moment
        copy.execute("PRAGMA journal_mode=DELETE")  # a single file, with no log beside it
        failures = _failures(copy)
        if failures:
            raise sqlite3.DatabaseError(failures)
    finally:
        copy.close()
        live.close()
    handle = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
