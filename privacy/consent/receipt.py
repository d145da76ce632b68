"""The consent receipt: what a person chose, when, on which banner, signed by the server.

A person may keep it as proof of their own choice, and the organization can check that a receipt shown to it
later is one it issued (``verify``). Its JSON follows the record structure of ISO/IEC TS 27560:2023 (consent
record information structure): the record, the PII principal (here the pseudonymous consent id, never a person's
identity), the controller, the notice shown (its hash and revision), the purposes with their state, and the event
that produced them. The signature is an HMAC-SHA256 over the record's canonical JSON, with a key derived from the
newest of ``PRIVACY_SECRET_KEYS``: any listed key verifies, so receipts survive a key rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import i18n
from ..codes import N_, CookieCategory
from ..content import Site
from ..render import COLON
from ..text import pick
from . import log
from .banner import notice_link
from .cookie import ConsentChoice
from .inventory import ConsentInventory

SCHEMA = "ISO/IEC TS 27560:2023"
_KEY_SALT = b"privacy-notices.consent.receipt.v1"

TITLE = N_("Consent receipt")
WHO = N_("Controller:")
SITE = N_("Site:")
RECORDED = N_("Recorded on:")
EXPIRES = N_("Asked again after:")
CONSENT_ID = N_("Consent id (pseudonymous, kept in your browser's cookie):")
REVISION = N_("Revision of the cookie inventory:")
BANNER_HASH = N_("SHA-256 of the banner as shown to you:")
NOT_LOGGED = N_("not found in the proof-of-consent log")
CHOICES = N_("Your choices:")
GIVEN = N_("consent given")
REFUSED = N_("consent refused")
ALWAYS = N_("always on (no consent needed)")
GPC = N_("Your browser sent Global Privacy Control.")
SIGNATURE = N_("Signature of the server (HMAC-SHA256, key %(key)s):")
SIGNED_JSON = N_("The JSON receipt carries the same signature over its record.")

# The event types of ISO/IEC TS 27560 for each action of our log.
_EVENT_STATE = {
    "accept": "given",
    "customize": "given",
    "reject": "refused",
    "dismiss": "notified",
    "withdraw": "withdrawn",
}


def _derived(key: str) -> bytes:
    return hmac.digest(key.encode(), _KEY_SALT, "sha256")


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _sign(record: dict[str, Any], key: str) -> dict[str, str]:
    derived = _derived(key)
    digest = hmac.digest(derived, _canonical(record), "sha256")
    return {
        "algorithm": "HMAC-SHA256",
        "key_id": hashlib.sha256(derived).hexdigest()[:12],
        "signed": "the record: canonical JSON (keys sorted, no spaces, UTF-8)",
        "value": base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"),
    }


def verify(receipt: Any, keys: tuple[str, ...]) -> bool:
    """Whether ``receipt`` (parsed JSON) is one this server issued, signed by one of ``keys``, unchanged since."""
    if not isinstance(receipt, dict) or not isinstance(receipt.get("record"), dict):
        return False
    signature = receipt.get("signature")
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        return False
    return any(hmac.compare_digest(_sign(receipt["record"], key)["value"], signature["value"]) for key in keys)


@dataclass(frozen=True)
class Receipt:
    record: dict[str, Any]
    signature: dict[str, str]

    def as_json(self) -> bytes:
        document = {"record": self.record, "signature": self.signature}
        return json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"

    def as_text(self, site: Site, inventory: ConsentInventory, language: str) -> bytes:
        def _(message: str) -> str:
            return i18n.gettext(language, message)

        record = self.record
        notice, event = record["notice"], record["events"][0]
        at = datetime.fromisoformat(event["event_time"])
        lines = [
            f"{_(TITLE)} — {record['pii_controllers'][0]['name']}",
            "",
            f"{_(SITE)} {site.id} ({notice['url']})",
            f"{_(RECORDED)} {i18n.format_day(at.date(), language)}, {at:%H:%M} UTC",
            f"{_(EXPIRES)} {record['expiry'][:10]}",
            f"{_(CONSENT_ID)} {record['pii_principal_id']}",
            f"{_(REVISION)} {notice['version']}",
            f"{_(BANNER_HASH)} {notice['hash']['value'] or _(NOT_LOGGED)}",
            "",
            _(CHOICES),
            f"- {i18n.gettext(language, CookieCategory.strictly_necessary.label)}{_(COLON)} {_(ALWAYS)}",
        ]
        for purpose in record["purposes"]:
            state = _(GIVEN) if purpose["consent_status"] == "given" else _(REFUSED)
            lines.append(f"- {purpose['purpose']}{_(COLON)} {state}")
        if event["gpc"]:
            lines += ["", _(GPC)]
        signed = i18n.gettext(language, SIGNATURE) % {"key": self.signature["key_id"]}
        lines += ["", signed, self.signature["value"], _(SIGNED_JSON), ""]
        return "\n".join(lines).encode()


def receipt(
    site: Site,
    inventory: ConsentInventory,
    choice: ConsentChoice,
    entry: log.ConsentRecord | None,
    language: str,
    signing_key: str,
) -> Receipt:
    """The receipt of ``choice`` (the person's cookie), with what the log proves of it (``entry``, when found)."""
    at = datetime.fromtimestamp(choice.at, UTC)
    action = entry.action if entry else "customize"
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "record_id": f"{choice.consent_id}.{choice.at}",
        "pii_principal_id": choice.consent_id,
        "pii_controllers": [{"name": pick(site.notice.publisher.name, language)}],
        "notice": {
            "notice_id": site.id,
            "version": choice.revision,
            "language": entry.language if entry else language,
            "url": notice_link(site, language),
            "hash": {"algorithm": "SHA-256", "value": entry.banner_hash if entry else None},
        },
        "purposes": [
            {
                "purpose_id": category,
                "purpose": i18n.gettext(language, CookieCategory(category).label),
                "legal_basis": "consent",
                "consent_status": "given" if choice.granted(category) else "refused",
            }
            for category in inventory.optional_categories
        ],
        "events": [
            {
                "event_time": at.isoformat(timespec="seconds"),
                "event_type": action,
                "event_state": _EVENT_STATE.get(action, "given"),
                "event_by": "pii_principal",
                "collection_method": entry.channel if entry else "unknown",
                "gpc": entry.gpc if entry else False,
            }
        ],
        "expiry": (at + timedelta(seconds=inventory.lifetime_seconds)).isoformat(timespec="seconds"),
        "in_proof_log": entry is not None,
    }
    return Receipt(record, _sign(record, signing_key))
