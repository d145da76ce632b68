"""``python server.py consent-log``: the proof-of-consent log, for the DPO.

Exports one site's records as CSV (for a spreadsheet) or JSON (for a tool), or deletes the entries kept long
enough (``--purge``; the server does it too, at start and every 6 hours).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from .. import i18n
from ..codes import N_
from ..database import connect
from ..settings import SettingsError, load_settings
from . import log

COLUMNS = (
    "recorded_at",
    "consent_id",
    "site",
    "revision",
    "banner_hash",
    "language",
    "action",
    "choices",
    "gpc",
    "channel",
)
NO_SITE = N_("say which site to export (--site), or --purge to delete the entries kept long enough")
PURGED = N_("%(count)d proof-of-consent entries recorded before %(cutoff)s deleted")
WOULD_PURGE = N_("%(count)d proof-of-consent entries recorded before %(cutoff)s would be deleted")
BAD_SINCE = N_("--since takes a date such as 2025-01-31 or a time such as 2025-01-31T14:00:00+01:00, not “%(value)s”")


def parse_since(value: str) -> datetime:
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(i18n.gettext(i18n.operator_language(), BAD_SINCE) % {"value": value}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def write_csv(records: list[log.ConsentRecord], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = record.as_row()
        row["choices"] = " ".join(f"{k}={'yes' if v else 'no'}" for k, v in sorted(record.choices.items()))
        row["gpc"] = "yes" if record.gpc else "no"
        writer.writerow(row)


def write_json(records: list[log.ConsentRecord], out: TextIO) -> None:
    json.dump([r.as_row() for r in records], out, indent=2, ensure_ascii=False)
    out.write("\n")


def export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    language = i18n.operator_language()
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"server.py consent-log: {error.text(language)}", file=sys.stderr)
        return 2
    if args.purge:
        return purge(settings.consent_log, settings.consent_proof_years, args.dry_run, language)
    if not args.site:
        print(f"server.py consent-log: {i18n.gettext(language, NO_SITE)}", file=sys.stderr)
        return 2
    db = connect(settings.consent_log, store="consent_log")
    try:
        records = list(log.records(db, args.site, args.since))
    finally:
        db.close()
    (write_json if args.format == "json" else write_csv)(records, out or sys.stdout)
    summary = i18n.gettext(language, N_("%(count)d consent record(s) for the site “%(site)s”"))
    print(summary % {"count": len(records), "site": args.site}, file=sys.stderr)
    return 0


def purge(path: Path, years: int, dry_run: bool, language: str, now: datetime | None = None) -> int:
    cutoff = log.proof_cutoff(now or datetime.now(UTC), years)
    db = connect(path, "NORMAL", "consent_log")
    try:
        if dry_run:
            count = log.count_before(db, cutoff)
        else:
            count = 0
            while done := log.purge(db, cutoff):  # autocommit: each chunk is its own short transaction
                count += done
    finally:
        db.close()
    said = i18n.gettext(language, WOULD_PURGE if dry_run else PURGED)
    print(said % {"count": count, "cutoff": cutoff.date().isoformat()}, file=sys.stderr)
    return 0


def add_consent_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "consent-log",
        help="export the proof-of-consent log of one site, or delete the entries kept long enough",
        description="Export the proof-of-consent log of one site (the database of PRIVACY_CONSENT_LOG), or delete "
        "the entries kept for PRIVACY_CONSENT_PROOF_YEARS after the longest a choice holds.",
    )
    parser.add_argument("--site", help="the site id (its folder name under content/)")
    parser.add_argument("--since", type=parse_since, help="only records from this date or time on (UTC unless stated)")
    parser.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default: csv)")
    parser.add_argument("--purge", action="store_true", help="delete the entries kept long enough, every site's")
    parser.add_argument("--dry-run", action="store_true", help="with --purge: only count what would be deleted")
    parser.set_defaults(handler=export)
