"""The consent feature: the widget's endpoint, the signed consent cookie, the
proof-of-consent log (each entry deleted once kept long enough) and the DPO's
export command."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the build imports this package too, and needs no web framework
    from starlette.routing import BaseRoute

    from ..app import AppState
    from .endpoint import ConsentEndpoint

# The endpoint of each running app, found again by the app's lifespan.
_endpoints: dict[int, ConsentEndpoint] = {}
# How often proof-of-consent entries past their keeping period are deleted.
PURGE_EVERY_SECONDS = 6 * 3600


def routes(state: AppState) -> list[BaseRoute]:
    from .endpoint import ConsentEndpoint, consent_routes

    endpoint = ConsentEndpoint(state)
    _endpoints[id(state)] = endpoint  # its log, which every snapshot's endpoint shares
    return consent_routes(state.published.follow("consent", endpoint.over))


async def purge_old_proofs(endpoint: ConsentEndpoint, now: datetime | None = None, chunk: int = 5000) -> int:
    """Deletes the proof-of-consent entries kept as long as they must be; how many. The log commits on the event
    loop, so a large backlog goes in chunks, with visitors' choices recorded in between."""
    from . import log

    cutoff = log.proof_cutoff(now or datetime.now(UTC), endpoint.state.settings.consent_proof_years)
    deleted = 0
    while True:
        done = int(await endpoint.log.run(lambda db: log.purge(db, cutoff, chunk)))
        deleted += done
        if done < chunk:
            return deleted


@asynccontextmanager
async def background(state: AppState) -> AsyncIterator[None]:
    """For the server's lifetime: old proofs deleted at start, then every 6 h."""
    from ..periodic import every

    endpoint = _endpoints.get(id(state))
    if endpoint is None:
        yield
        return
    async with every(PURGE_EVERY_SECONDS, lambda: purge_old_proofs(endpoint), "deleting old proof-of-consent entries"):
        yield


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register this feature's subcommands of server.py (each sets a `handler`)."""
    from .cli import add_consent_commands

    add_consent_commands(commands)
