"""``server.py consent-log``: the proof-of-consent log, for the DPO.

Exports one site's records as CSV (for a spreadsheet) or JSON (for a tool), or deletes the entries kept long
enough (``--purge``; the server does it too, at start and every 6 hours).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, date, datetime
from typing import TextIO

from .. import i18n
from ..backends import open_stores
from ..codes import N_
from ..command_line import speak
from ..content import load_content
from ..settings import Settings, SettingsError, load_settings
from ..stores import StorageRefused
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
UNKNOWN_SITE = N_("no site is called “%(site)s”, and the log holds nothing for it: the sites are %(known)s")
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
        print(f"server.py consent-log: {i18n.say(language, error)}", file=sys.stderr)
        return 2
    if not args.purge and not args.site:
        print(f"server.py consent-log: {i18n.gettext(language, NO_SITE)}", file=sys.stderr)
        return 2
    try:
        if args.purge:
            return purge(settings, args.dry_run, language)
        stores = open_stores(settings, check=False)
    except StorageRefused as error:
        print(f"server.py consent-log: {i18n.say(language, error)}", file=sys.stderr)
        return 2
    try:
        with stores.consent.transaction(reading=True) as session:
            records = session.log.records(args.site, args.since)
    finally:
        stores.close()
    known = sorted(site.id for site in load_content(settings.content_dir).sites)
    if not records and args.site not in known:  # a site removed since keeps its proofs: those are still exported
        said = i18n.gettext(language, UNKNOWN_SITE) % {"site": args.site, "known": ", ".join(known) or "—"}
        print(f"server.py consent-log: {said}", file=sys.stderr)
        return 2
    (write_json if args.format == "json" else write_csv)(records, out or sys.stdout)
    summary = i18n.gettext(language, N_("%(count)d consent record(s) for the site “%(site)s”"))
    print(summary % {"count": len(records), "site": args.site}, file=sys.stderr)
    return 0


def purge(settings: Settings, dry_run: bool, language: str, now: datetime | None = None) -> int:
    longest = log.longest_choice_months(load_content(settings.content_dir))
    cutoff = log.proof_cutoff(now or datetime.now(UTC), settings.consent_proof_years, longest)
    stores = open_stores(settings, check=False)
    try:
        if dry_run:
            with stores.consent.transaction(reading=True) as session:
                count = session.log.count_before(cutoff)
        else:
            count = 0
            while True:  # each chunk its own short transaction: the server's writes go on in between
                with stores.consent.transaction() as session:
                    done = session.log.purge(cutoff, 5000)
                count += done
                if not done:
                    break
    finally:
        stores.close()
    said = i18n.gettext(language, WOULD_PURGE if dry_run else PURGED)
    print(said % {"count": count, "cutoff": cutoff.date().isoformat()}, file=sys.stderr)
    return 0


def add_consent_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    _ = speak()
    parser = commands.add_parser(
        "consent-log",
        help=_("export the proof-of-consent log of one site, or delete the entries kept long enough"),
        description=_(
            "Export the proof-of-consent log of one site (the database of PRIVACY_CONSENT_LOG), or delete "
            "the entries kept for PRIVACY_CONSENT_PROOF_YEARS after the longest a choice holds."
        ),
    )
    parser.add_argument("--site", help=_("the site id (its folder name under content/)"))
    parser.add_argument(
        "--since", type=parse_since, help=_("only records from this date or time on (UTC unless stated)")
    )
    parser.add_argument("--format", choices=["csv", "json"], default="csv", help=_("output format (default: csv)"))
    parser.add_argument("--purge", action="store_true", help=_("delete the entries kept long enough, every site's"))
    parser.add_argument("--dry-run", action="store_true", help=_("with --purge: only count what would be deleted"))
    parser.set_defaults(handler=export)
    from .receipt_cli import add_receipt_command

    add_receipt_command(commands)
