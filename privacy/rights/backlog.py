"""Each mail's state as the DPO's commands show it: sent, waiting for its next attempt, held by a delivery under
way, failed for good."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ..stores import OutboxMail

MailState = Literal["sent", "waiting", "held", "failed"]


def state_of(mail: OutboxMail, now: datetime) -> MailState:
    if mail.sent_at:
        return "sent"
    if mail.failed_at:
        return "failed"
    if mail.leased_until and mail.leased_until > now:
        return "held"
    return "waiting"
