"""Versioned schemas, the same way on every backend: each database records the migrations applied to it, a
server refuses to start on one that lacks some (``server.py migrate`` applies them), and a database with none of
our tables yet is simply created at the latest version.

A migration is a number, what it does in the operator's words, and the statements of one backend; the lists
are in ``privacy/sqlite/schema.py`` and ``privacy/postgres/schema.py``, never gathered from imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .codes import N_
from .command_line import server_command
from .stores import StorageRefused


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str
    # Python run after ``sql`` on the same connection, for what the dialect cannot say (SQLite: a column added
    # only where an earlier version left it out).
    then: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class Applied:
    database: str  # what the operator knows it by: a path, or a PostgreSQL address without its password
    before: int
    after: int


State = Literal["current", "empty", "behind", "ahead"]

NOT_MIGRATED = N_(
    "the database %(database)s is at schema version %(found)s and this server needs version %(needed)s. "
    "Back it up (%(command)s backup DEST), then run: %(command)s migrate; then start again"
)
TOO_NEW = N_(
    "the database %(database)s is at schema version %(found)s, made by a newer version of this server (which "
    "knows up to %(needed)s): run that version, or restore a backup made for this one"
)


def latest(migrations: tuple[Migration, ...]) -> int:
    return migrations[-1].version


def state(found: int, has_tables: bool, migrations: tuple[Migration, ...]) -> State:
    if found == latest(migrations):
        return "current"
    if found > latest(migrations):
        return "ahead"
    return "empty" if found == 0 and not has_tables else "behind"


def refusal(database: str, found: int, migrations: tuple[Migration, ...]) -> StorageRefused:
    message = TOO_NEW if found > latest(migrations) else NOT_MIGRATED
    return StorageRefused(
        message, database=database, found=str(found), needed=str(latest(migrations)), command=server_command()
    )


def pending(found: int, migrations: tuple[Migration, ...]) -> list[Migration]:
    return [m for m in migrations if m.version > found]
