"""Times in SQLite: ISO 8601 in UTC, so that they compare as text in SQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ..records import Reading, Writing

# How the records read back what was written so (privacy/records.py).
READING = Reading(moment=datetime.fromisoformat, day=date.fromisoformat)


def iso(moment: datetime) -> str:
    """To the microsecond (the rights database)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# How the rights database writes them (the proof-of-consent log writes ``stamp``s).
WRITING = Writing(moment=iso, day=date.isoformat)


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def stamp(moment: datetime) -> str:
    """To the second (the proof-of-consent log, as its entries have always been written)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
