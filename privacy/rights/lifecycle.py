"""Where a request stands, in the DPO's words: its states from receipt to close, and how it was closed.

A state is a step a request went through (each kept with its time in its history); the outcome is how it was
closed, kept after the personal data is purged, for the yearly figures and an auditor.
"""

from __future__ import annotations

from typing import Literal, get_args

from ..codes import N_

State = Literal["received", "confirmed", "identity_asked", "extended", "answered", "closed"]
Outcome = Literal["granted", "partial", "refused", "no-data", "withdrawn"]
# What the audit trail records, besides the states (privacy/rights/history.py).
Action = Literal[
    "received",
    "confirmed",
    "shown",
    "exported",
    "identity_asked",
    "extended",
    "answered",
    "downloaded",
    "closed",
    "purged",
]

STATES: tuple[State, ...] = get_args(State)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
ACTIONS: tuple[Action, ...] = get_args(Action)

STATE_LABELS: dict[State, str] = {
    "received": N_("Received"),
    "confirmed": N_("Address confirmed"),
    "identity_asked": N_("Proof of identity asked"),
    "extended": N_("Extended"),
    "answered": N_("Answered"),
    "closed": N_("Closed"),
}
OUTCOME_LABELS: dict[Outcome, str] = {
    "granted": N_("granted"),
    "partial": N_("partly granted"),
    "refused": N_("refused"),
    "no-data": N_("no data held"),
    "withdrawn": N_("withdrawn by the requester"),
}
ACTION_LABELS: dict[Action, str] = {
    "received": N_("received"),
    "confirmed": N_("address confirmed"),
    "shown": N_("shown"),
    "exported": N_("exported"),
    "identity_asked": N_("proof of identity asked"),
    "extended": N_("extended"),
    "answered": N_("answered"),
    "downloaded": N_("answer downloaded"),
    "closed": N_("closed"),
    "purged": N_("personal data purged"),
}


def outcome(value: str) -> Outcome | None:
    return next((known for known in OUTCOMES if known == value), None)


def action_label(value: str) -> str:
    """The catalog id of an action of the audit trail (an unknown one, of a newer version, as written)."""
    return next((label for action, label in ACTION_LABELS.items() if action == value), value)
