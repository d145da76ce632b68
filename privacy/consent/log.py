"""The proof-of-consent log: every choice, appended, never rewritten.

The organization must be able to show which consent it relies on, when it was
given and what the person was shown. A row holds the consent id of the cookie,
the time, the site, the inventory revision, a hash of the banner text, the
choices and whether the browser sent Global Privacy Control. No IP address and
no user agent: the proof needs none and they would make the log personal data
about visitors' devices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Action = Literal["accept", "reject", "customize", "dismiss", "withdraw"]
ACTIONS: tuple[Action, ...] = ("accept", "reject", "customize", "dismiss", "withdraw")
Channel = Literal["script", "form"]


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


# The longest a choice holds (13 months, the CNIL's ceiling and the model's): its proof is kept that long, then
# for the years of PRIVACY_CONSENT_PROOF_YEARS.
LONGEST_CHOICE = timedelta(days=396)


def proof_cutoff(now: datetime, years: int) -> datetime:
    """Entries recorded before this moment have been kept as long as they must be."""
    return now - LONGEST_CHOICE - timedelta(days=365 * years + years // 4)
