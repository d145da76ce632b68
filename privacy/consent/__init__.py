"""The consent feature: the widget's endpoint, the signed consent cookie, the proof-of-consent log (each entry
deleted once kept long enough) and the DPO's export command. The server builds it as ``feature.ConsentFeature``
(privacy/assembly.py)."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register this feature's subcommands of server.py (each sets a `handler`)."""
    from .cli import add_consent_commands

    add_consent_commands(commands)
