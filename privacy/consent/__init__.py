"""The consent feature: the widget's endpoint, the signed consent cookie, the
proof-of-consent log and the DPO's export command."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the build imports this package too, and needs no web framework
    from starlette.routing import BaseRoute

    from ..app import AppState


def routes(state: AppState) -> list[BaseRoute]:
    from .endpoint import consent_routes

    return consent_routes(state)


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register this feature's subcommands of server.py (each sets a `handler`)."""
    from .cli import add_consent_commands

    add_consent_commands(commands)
