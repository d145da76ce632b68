"""Moving an existing embedded register to PostgreSQL: ``server.py migrate --from sqlite:///var/privacy.sqlite3
--from sqlite:///var/consent-log.sqlite3`` (or ``--from sqlite:///var``, the folder holding both).

Every row is copied as it is (requests with their references and dates, mails with their Message-IDs and state,
their audit trail, answer files and codes, proofs of consent, the rate limits' live hits), in one transaction: the PostgreSQL database holds all of it or
nothing. The files are only read (SQLite's read-only mode), checked first like at a start, and kept: they are
the way back. A database that already holds requests or proofs is refused rather than merged into.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg

from ..codes import N_
from ..stores import StorageRefused
from .backend import UNREACHABLE, shown
from .schema import migrate

NOT_SQLITE = N_(
    "--from takes sqlite:///PATH, the path of a database file of this server or of the folder holding them "
    "(privacy.sqlite3, consent-log.sqlite3), not “%(value)s”"
)
NOT_FOUND = N_("--from: %(path)s is neither a database of this server nor a folder holding one")
NOT_EMPTY = N_(
    "the PostgreSQL database %(database)s already holds %(count)s rights requests or proofs of consent: nothing "
    "was moved. Move into a new, empty database (or one only migrated)"
)
NO_TARGET = N_("set PRIVACY_DATABASE_URL to the PostgreSQL database to move the SQLite databases into")

# What is copied, table by table: each column, and how its SQLite value becomes PostgreSQL's.
TABLES: dict[str, dict[str, str]] = {
    "rights_requests": {
        **dict.fromkeys(
            ("reference", "site", "language", "rights", "relationship", "name", "email", "details", "file_reference"),
            "text",
        ),
        **dict.fromkeys(("fingerprint", "status", "confirm_hash", "receipt_hash", "extension_reason"), "text"),
        **dict.fromkeys(("acting_for", "subject_name", "outcome", "outcome_reason"), "text"),
        **dict.fromkeys(("received_at", "email_confirmed_at", "extended_at", "closed_at", "purged_at"), "time"),
        **dict.fromkeys(("identity_asked_at", "answered_at"), "time"),
        "due_on": "date",
    },
    "rights_history": {
        "id": "int",
        **dict.fromkeys(("reference", "action", "operator", "detail"), "text"),
        "at": "time",
    },
    "rights_answers": {
        **dict.fromkeys(("file_id", "reference", "link_hash"), "text"),
        **dict.fromkeys(("size", "downloads"), "int"),
        **dict.fromkeys(("created_at", "expires_at", "last_download_at", "deleted_at"), "time"),
    },
    "rights_codes": {
        **dict.fromkeys(("id", "attempts"), "int"),
        **dict.fromkeys(("reference", "purpose", "code_hash"), "text"),
        **dict.fromkeys(("created_at", "expires_at", "used_at"), "time"),
    },
    "rights_digests": {"day": "date", "sent_at": "time"},
    "rights_outbox": {
        **dict.fromkeys(("id", "attempts"), "int"),
        **dict.fromkeys(("message_id", "reference", "kind", "recipient", "draft", "last_error"), "text"),
        "message": "bytes",
        **dict.fromkeys(("created_at", "next_attempt_at", "leased_until", "sent_at", "failed_at"), "time"),
    },
    "consent_log": {
        "id": "int",
        **dict.fromkeys(("consent_id", "site", "revision", "banner_hash", "language", "action", "choices"), "text"),
        "recorded_at": "time",
        "gpc": "bool",
        "channel": "text",
    },
    "rate_limit_hits": {"counter": "text", "key": "bytes", "expires_at": "float"},
    "periodic_runs": {"job": "text", "ran_at": "time"},
}
IDENTITIES = ("rights_outbox", "consent_log", "rights_history", "rights_codes")


@dataclass(frozen=True)
class Moved:
    table: str
    rows: int


def sources(values: list[str]) -> list[Path]:
    """The database files ``--from`` names."""
    found: list[Path] = []
    for value in values:
        parts = urlsplit(value)
        if parts.scheme != "sqlite" or not parts.path:
            raise StorageRefused(NOT_SQLITE, value=value)
        path = Path(unquote(parts.path))
        if path.is_dir():
            inside = [path / name for name in ("privacy.sqlite3", "consent-log.sqlite3") if (path / name).is_file()]
            if not inside:
                raise StorageRefused(NOT_FOUND, path=str(path))
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise StorageRefused(NOT_FOUND, path=str(path))
    return found


def _convert(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "time":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "bool":
        return bool(value)
    if kind == "bytes":
        return bytes(value)
    return value


def _rows(db: sqlite3.Connection, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The columns of ``table`` this file has (an earlier version's may lack some), and its rows converted."""
    present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    columns = [name for name in TABLES[table] if name in present]
    if not columns:
        return [], []
    kinds = [TABLES[table][name] for name in columns]
    rows = db.execute(f"SELECT {', '.join(columns)} FROM {table}")  # our own table and columns
    return columns, [tuple(_convert(v, k) for v, k in zip(row, kinds, strict=True)) for row in rows]


def move(files: list[Path], url: str) -> list[Moved]:
    """Copies every table of ``files`` into the PostgreSQL database at ``url``, in one transaction."""
    readers = [sqlite3.connect(f"file:{path}?mode=ro", uri=True) for path in files]
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
            migrate(connection, shown(url))
            with connection.transaction():
                held = connection.execute(
                    "SELECT (SELECT COUNT(*) FROM rights_requests) + (SELECT COUNT(*) FROM consent_log)"
                ).fetchone()
                if held and held[0]:
                    raise StorageRefused(NOT_EMPTY, database=shown(url), count=str(held[0]))
                connection.execute("DELETE FROM rate_limit_hits")
                connection.execute("DELETE FROM periodic_runs")
                return _copy(readers, connection)
    except psycopg.OperationalError as error:
        raise StorageRefused(UNREACHABLE, database=shown(url), problem=str(error).strip()) from None
    finally:
        for reader in readers:
            reader.close()


def _copy(readers: list[sqlite3.Connection], connection: psycopg.Connection[Any]) -> list[Moved]:
    counts: dict[str, int] = dict.fromkeys(TABLES, 0)
    for reader in readers:
        tables = {row[0] for row in reader.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in TABLES:
            if table not in tables:
                continue
            columns, rows = _rows(reader, table)
            if not rows:
                continue
            placeholders = ", ".join(["%s"] * len(columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
                    + (" ON CONFLICT (job) DO NOTHING" if table == "periodic_runs" else ""),
                    rows,
                )
            counts[table] += len(rows)
    for table in IDENTITIES:  # the next id after the last one moved
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1,"
            " false)"
        )
    return [Moved(table, n) for table, n in counts.items()]
