"""The SQLite schemas of both databases, as numbered migrations, and how they are applied.

Version 1 is the schema every earlier version of the server made with ``CREATE … IF NOT EXISTS``: applied to a
file such a version wrote, it changes nothing that is there and adds what is missing, so the file upgrades in
place.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from .. import migrations
from ..migrations import Applied, Migration

__all__ = ["CONSENT_LOG", "REQUESTS", "Migration", "ensure", "migrate", "version"]

RATE_LIMITS = """
    CREATE TABLE IF NOT EXISTS rate_limit_hits (
        counter TEXT NOT NULL,      -- which limit, e.g. rights.address
        key BLOB NOT NULL,          -- keyed hash of the value counted (an address): never the value
        expires_at REAL NOT NULL    -- Unix time when this hit stops counting
    );
    CREATE INDEX IF NOT EXISTS rate_limit_hits_key ON rate_limit_hits (counter, key, expires_at);
    CREATE INDEX IF NOT EXISTS rate_limit_hits_expiry ON rate_limit_hits (expires_at);
"""
RUNS = """
    CREATE TABLE periodic_runs (
        job TEXT PRIMARY KEY,       -- e.g. rights.purge
        ran_at TEXT NOT NULL        -- when an instance last started it (ISO 8601, UTC)
    );
"""


LIFECYCLE = """
    ALTER TABLE rights_requests ADD COLUMN acting_for TEXT NOT NULL DEFAULT 'self';
    ALTER TABLE rights_requests ADD COLUMN subject_name TEXT;       -- personal data: NULL once purged
    ALTER TABLE rights_requests ADD COLUMN identity_asked_at TEXT;
    ALTER TABLE rights_requests ADD COLUMN answered_at TEXT;
    ALTER TABLE rights_requests ADD COLUMN outcome TEXT             -- kept after the purge, for the figures
        CHECK (outcome IN ('granted', 'partial', 'refused', 'no-data', 'withdrawn'));
    ALTER TABLE rights_requests ADD COLUMN outcome_reason TEXT;     -- what the requester was told: NULL once purged
    CREATE TABLE rights_history (
        id INTEGER PRIMARY KEY,
        reference TEXT NOT NULL,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        operator TEXT NOT NULL,     -- the operator's account, requester or server
        detail TEXT NOT NULL DEFAULT ''   -- an outcome, a date, a count: never what a person wrote
    );
    CREATE INDEX rights_history_reference ON rights_history (reference, id);
    -- An audit trail that can be edited proves nothing.
    CREATE TRIGGER rights_history_no_update BEFORE UPDATE ON rights_history
    BEGIN SELECT RAISE(ABORT, 'the history of rights requests is append-only'); END;
    CREATE TRIGGER rights_history_no_delete BEFORE DELETE ON rights_history
    BEGIN SELECT RAISE(ABORT, 'the history of rights requests is append-only'); END;
    CREATE TABLE rights_answers (
        file_id TEXT PRIMARY KEY,   -- the sealed file's name in the vault
        reference TEXT NOT NULL,
        link_hash TEXT NOT NULL UNIQUE, -- sha256 of the emailed link's token
        size INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        downloads INTEGER NOT NULL DEFAULT 0,
        last_download_at TEXT,
        deleted_at TEXT
    );
    CREATE INDEX rights_answers_reference ON rights_answers (reference);
    CREATE INDEX rights_answers_expiry ON rights_answers (deleted_at, expires_at);
    CREATE TABLE rights_codes (
        id INTEGER PRIMARY KEY,
        reference TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('answer', 'status')),
        code_hash TEXT NOT NULL,    -- keyed hash of the code: never the code
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        used_at TEXT
    );
    CREATE INDEX rights_codes_reference ON rights_codes (reference, purpose, created_at);
    CREATE TABLE rights_digests (
        day TEXT PRIMARY KEY,       -- the DPO's digest of that day was sent by one instance
        sent_at TEXT NOT NULL
    );
"""


def _add_missing_column(db: sqlite3.Connection, table: str, column: str, declaration: str) -> None:
    if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


REQUESTS = (
    Migration(
        1,
        "rights requests, their outbox and the form's rate limits",
        """
        CREATE TABLE IF NOT EXISTS rights_requests (
            reference TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            language TEXT NOT NULL,
            rights TEXT NOT NULL,
            relationship TEXT NOT NULL,
            name TEXT,                    -- personal data: NULL once purged
            email TEXT,
            details TEXT,
            file_reference TEXT,
            fingerprint TEXT,             -- keyed hash of the content, to spot a double submission
            received_at TEXT NOT NULL,
            due_on TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            confirm_hash TEXT,            -- sha256 of the nonce in the emailed confirmation link
            receipt_hash TEXT,            -- sha256 of the cookie that shows the confirmation page
            email_confirmed_at TEXT,
            extended_at TEXT,
            extension_reason TEXT,
            closed_at TEXT,
            purged_at TEXT
        );
        CREATE INDEX IF NOT EXISTS rights_requests_fingerprint ON rights_requests (fingerprint, received_at);
        CREATE INDEX IF NOT EXISTS rights_requests_confirm ON rights_requests (confirm_hash);
        CREATE INDEX IF NOT EXISTS rights_requests_receipt ON rights_requests (receipt_hash);
        CREATE TABLE IF NOT EXISTS rights_outbox (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL UNIQUE,
            reference TEXT NOT NULL,
            kind TEXT NOT NULL,
            recipient TEXT NOT NULL,
            message BLOB,                 -- cleared once sent: the request row keeps the facts
            draft TEXT,                   -- JSON: what composing the message needs beyond the request row
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            leased_until TEXT,
            last_error TEXT,              -- an error class and SMTP code, never the server's text
            sent_at TEXT,
            failed_at TEXT
        );
        CREATE INDEX IF NOT EXISTS rights_outbox_due ON rights_outbox (sent_at, failed_at, next_attempt_at);
        CREATE INDEX IF NOT EXISTS rights_outbox_reference ON rights_outbox (reference);
        """
        + RATE_LIMITS,
        # Files made before drafts existed have an outbox without the column.
        then=lambda db: _add_missing_column(db, "rights_outbox", "draft", "TEXT"),
    ),
    Migration(2, "scheduled runs shared by the instances (the purge of closed requests)", RUNS),
    Migration(3, "a request's lifecycle: for whom, its answer and outcome, its audit trail, one-time codes", LIFECYCLE),
)

# A receipt's proof is the entry of one consent id at one second: found at once, however long the log.
CONSENT_ID_INDEX = "CREATE INDEX IF NOT EXISTS consent_log_consent_id ON consent_log (consent_id, site, recorded_at);"

CONSENT_LOG = (
    Migration(
        1,
        "the proof-of-consent log and its rate limits",
        """
        CREATE TABLE IF NOT EXISTS consent_log (
            id INTEGER PRIMARY KEY,
            consent_id TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            site TEXT NOT NULL,
            revision TEXT NOT NULL,
            banner_hash TEXT NOT NULL,
            language TEXT NOT NULL,
            action TEXT NOT NULL,
            choices TEXT NOT NULL,
            gpc INTEGER NOT NULL,
            channel TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS consent_log_site_time ON consent_log (site, recorded_at);
        CREATE INDEX IF NOT EXISTS consent_log_time ON consent_log (recorded_at);
        -- A proof that can be edited proves nothing.
        CREATE TRIGGER IF NOT EXISTS consent_log_append_only BEFORE UPDATE ON consent_log
        BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
        """
        + RATE_LIMITS,
    ),
    Migration(2, "scheduled runs shared by the instances (the purge of old proofs)", RUNS),
    Migration(3, "proofs found by their consent id (a visitor's receipt)", CONSENT_ID_INDEX),
)

VERSIONS = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
    )
"""


def _statements(sql: str) -> list[str]:
    """One statement at a time (``executescript`` would commit first): a trigger's body holds semicolons, so a
    statement ends where SQLite says it is complete."""
    found, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            found.append(current.strip())
            current = ""
    if current.strip():
        found.append(current.strip())
    return found


def version(db: sqlite3.Connection) -> tuple[int, bool]:
    """The schema version applied, and whether the file holds any table of ours (a version 0 with tables is
    a file of an earlier server, made before migrations were numbered)."""
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    found = 0
    if "schema_migrations" in names:
        found = int(db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])
    ours = {name for name in names if not name.startswith("sqlite_")} - {"schema_migrations"}
    return found, bool(ours)


def migrate(db: sqlite3.Connection, path: Path, steps: tuple[Migration, ...]) -> Applied:
    """Applies what ``db`` lacks, in one transaction: a failure leaves the file as it was."""
    db.execute("BEGIN IMMEDIATE")  # one migrator at a time, and no writer meanwhile
    try:
        db.execute(VERSIONS)
        before, _ = version(db)
        for step in migrations.pending(before, steps):
            for statement in _statements(step.sql):
                db.execute(statement)
            if step.then is not None:
                step.then(db)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (step.version, step.name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return Applied(str(path), before, max(before, migrations.latest(steps)))


def ensure(db: sqlite3.Connection, path: Path, steps: tuple[Migration, ...]) -> None:
    """At a start: a new file is created at the latest version; one that lacks migrations, or has newer ones,
    refuses the start (``migrations.refusal``)."""
    found, has_tables = version(db)
    match migrations.state(found, has_tables, steps):
        case "current":
            return
        case "empty":
            migrate(db, path, steps)
        case _:
            raise migrations.refusal(str(path), found, steps)
