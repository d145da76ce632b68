"""The proof-of-consent log: every choice, appended, never rewritten.

The organization must be able to show which consent it relies on, when it was
given and what the person was shown. A row holds the consent id of the cookie,
the time, the site, the inventory revision, a hash of the banner text, the
choices and whether the browser sent Global Privacy Control. No IP address and
no user agent: the proof needs none and they would make the log personal data
about visitors' devices.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from ..database import register_schema

Action = Literal["accept", "reject", "customize", "dismiss", "withdraw"]
ACTIONS: tuple[Action, ...] = ("accept", "reject", "customize", "dismiss", "withdraw")
Channel = Literal["script", "form"]

SCHEMA = """
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
register_schema("consent", SCHEMA, store="consent_log")


@dataclass(frozen=True)
class ConsentRecord:
    consent_id: str
    recorded_at: datetime
    site: str
    revision: str
    banner_hash: str
    language: str
    action: Action
    choices: dict[str, bool]
    gpc: bool
    channel: Channel

    def as_row(self) -> dict[str, object]:
        return {
            "consent_id": self.consent_id,
            "recorded_at": self.recorded_at.isoformat(timespec="seconds"),
            "site": self.site,
            "revision": self.revision,
            "banner_hash": self.banner_hash,
            "language": self.language,
            "action": self.action,
            "choices": self.choices,
            "gpc": self.gpc,
            "channel": self.channel,
        }


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")  # as recorded_at is written: compared as text


INSERT = (
    "INSERT INTO consent_log (consent_id, recorded_at, site, revision, banner_hash, language, action, choices,"
    " gpc, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CHOICES = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def row(record: ConsentRecord) -> tuple[object, ...]:
    """The parameters of INSERT for ``record``."""
    return (
        record.consent_id,
        _stamp(record.recorded_at),
        record.site,
        record.revision,
        record.banner_hash,
        record.language,
        record.action,
        _CHOICES.encode(record.choices),
        int(record.gpc),
        record.channel,
    )


# The longest a choice holds (13 months, the CNIL's ceiling and the model's): its proof is kept that long, then
# for the years of PRIVACY_CONSENT_PROOF_YEARS.
LONGEST_CHOICE = timedelta(days=396)


def proof_cutoff(now: datetime, years: int) -> datetime:
    """Entries recorded before this moment have been kept as long as they must be."""
    return now - LONGEST_CHOICE - timedelta(days=365 * years + years // 4)


def count_before(db: sqlite3.Connection, before: datetime) -> int:
    return int(db.execute("SELECT COUNT(*) FROM consent_log WHERE recorded_at < ?", (_stamp(before),)).fetchone()[0])


def purge(db: sqlite3.Connection, before: datetime, at_most: int = 5000) -> int:
    """Deletes up to ``at_most`` of the entries recorded before ``before``, oldest first; how many. (Rows are
    never updated: deleting old ones by age is the only change the log admits.)"""
    cursor = db.execute(
        "DELETE FROM consent_log WHERE id IN (SELECT id FROM consent_log WHERE recorded_at < ? ORDER BY recorded_at"
        " LIMIT ?)",
        (_stamp(before), at_most),
    )
    return cursor.rowcount


def records(db: sqlite3.Connection, site: str, since: datetime | None = None) -> Iterator[ConsentRecord]:
    query = "SELECT * FROM consent_log WHERE site = ?"
    params: list[object] = [site]
    if since is not None:
        query += " AND recorded_at >= ?"
        params.append(_stamp(since))
    for row in db.execute(query + " ORDER BY recorded_at, id", params):
        yield ConsentRecord(
            consent_id=row["consent_id"],
            recorded_at=datetime.fromisoformat(row["recorded_at"]),
            site=row["site"],
            revision=row["revision"],
            banner_hash=row["banner_hash"],
            language=row["language"],
            action=row["action"],
            choices=json.loads(row["choices"]),
            gpc=bool(row["gpc"]),
            channel=row["channel"],
        )
