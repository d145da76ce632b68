"""The embedded backend's databases opened the way the server opens them (migrated), for tests that write to or
read from them directly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from privacy.sqlite import schema
from privacy.sqlite.backend import CONSENT, RIGHTS, ConsentSession, RightsSession, SqliteDatabase
from privacy.sqlite.database import connect


def consent_log(path: Path) -> SqliteDatabase[ConsentSession]:
    return SqliteDatabase(path, CONSENT)


def rights_register(path: Path) -> SqliteDatabase[RightsSession]:
    return SqliteDatabase(path, RIGHTS)


def migrated(path: Path, store: str = "requests") -> sqlite3.Connection:
    """A connection of its own to a database at the latest schema (created if new)."""
    db = connect(path)
    schema.ensure(db, path, schema.REQUESTS if store == "requests" else schema.CONSENT_LOG)
    return db
