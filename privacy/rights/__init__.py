"""The rights feature: routes, storage and commands (filled in by its issue)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from ..app import AppState


def routes(state: AppState) -> list[BaseRoute]:
    return []


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register this feature's subcommands of server.py (each sets a `handler`)."""
