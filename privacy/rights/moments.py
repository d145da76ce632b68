"""The rights database's times: ISO 8601 in UTC to the microsecond, so that they compare as text in SQL."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
