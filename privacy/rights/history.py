"""The audit trail of each request: who did what, when, appended in the same transaction as the change itself
(so a change is never without its entry), and never rewritten (the database refuses)."""

from __future__ import annotations

import getpass
import os
from datetime import datetime

from ..stores import HistoryEntry, RightsSession
from .lifecycle import Action

REQUESTER = "requester"
SERVER = "server"


def operator() -> str:
    """The account a DPO's command runs under: who the trail says acted."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's user): its number, still traceable
        return f"uid {os.getuid()}"


def record(
    session: RightsSession, reference: str, action: Action, now: datetime, who: str | None = None, detail: str = ""
) -> None:
    session.history.record(HistoryEntry(reference, now, action, who or operator(), detail))
