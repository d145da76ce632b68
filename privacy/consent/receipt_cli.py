"""``server.py consent-receipt FILE``: whether a consent receipt a person shows is one this server issued.

A receipt (``GET /consent/receipt?format=json``) is signed with a key derived from ``PRIVACY_SECRET_KEYS``: any
listed key verifies it, so the check holds across key rotations, and any change to its record breaks it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from .. import i18n
from ..codes import N_
from ..settings import SettingsError, load_settings
from .receipt import verify

GENUINE = N_(
    "genuine: this receipt was issued by this server and is unchanged (site “%(site)s”, consent id %(id)s, "
    "recorded at %(at)s)"
)
NOT_OURS = N_(
    "not genuine: no key of PRIVACY_SECRET_KEYS signed this receipt as it is (it was changed, or issued elsewhere)"
)
UNREADABLE = N_("%(file)s cannot be read as a JSON consent receipt (%(reason)s)")


def check(args: argparse.Namespace, out: TextIO | None = None) -> int:
    language = i18n.operator_language()
    out = out or sys.stdout
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"server.py consent-receipt: {i18n.say(language, error)}", file=sys.stderr)
        return 2
    path = Path(args.file)
    try:
        receipt = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        said = i18n.gettext(language, UNREADABLE) % {"file": path, "reason": error.__class__.__name__}
        print(f"server.py consent-receipt: {said}", file=sys.stderr)
        return 2
    if not verify(receipt, settings.secret_keys):
        print(i18n.gettext(language, NOT_OURS), file=out)
        return 1
    record = receipt["record"]
    facts = {
        "site": str(record.get("notice", {}).get("notice_id", "")),
        "id": str(record.get("pii_principal_id", "")),
        "at": str((record.get("events") or [{}])[0].get("event_time", "")),
    }
    print(i18n.gettext(language, GENUINE) % facts, file=out)
    return 0


def add_receipt_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "consent-receipt",
        help="tell whether a consent receipt (JSON) was issued by this server and is unchanged",
        description="Check the signature of a consent receipt a person downloaded (GET /consent/receipt, JSON) "
        "against the keys of PRIVACY_SECRET_KEYS. Exit 0: genuine; 1: not genuine; 2: unreadable.",
    )
    parser.add_argument("file", help="the receipt, as downloaded (consent-receipt-….json)")
    parser.set_defaults(handler=check)
