"""The proof-of-consent log: every choice, appended, never rewritten.

The organization must be able to show which consent it relies on, when it was
given and what the person was shown. A row holds the consent id of the cookie,
the time, the site, the inventory revision, a hash of the banner text, the
choices and whether the browser sent Global Privacy Control. No IP address and
no user agent: the proof needs none and they would make the log personal data
about visitors' devices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ..content import Content
from ..model import MAX_CONSENT_LIFETIME_MONTHS
from .inventory import SECONDS_PER_MONTH

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


def longest_choice_months(content: Content) -> int:
    """The longest a choice holds on the sites served (the widget's own ceiling when none uses the widget)."""
    lifetimes = [s.notice.cookies.consent_lifetime_months for s in content.sites if s.notice.cookies.widget]
    return max(lifetimes, default=MAX_CONSENT_LIFETIME_MONTHS)


def proof_cutoff(now: datetime, years: int, longest_months: int = MAX_CONSENT_LIFETIME_MONTHS) -> datetime:
    """Entries recorded before this moment have been kept as long as they must be: the longest a choice holds
    (``longest_months``), then the years of PRIVACY_CONSENT_PROOF_YEARS."""
    longest = timedelta(days=math.ceil(longest_months * SECONDS_PER_MONTH / 86400))
    return now - longest - timedelta(days=365 * years + years // 4)
