"""The consent feature as the server runs it: GET and POST /consent, and the purge of proofs kept long enough."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from starlette.routing import BaseRoute

from ..feature import due
from ..model import MAX_CONSENT_LIFETIME_MONTHS
from ..periodic import every
from ..rate_limits import Limit
from ..render import Renderer
from ..settings import Settings
from ..snapshot import Published
from ..stores import ConsentDatabase
from . import log
from .endpoint import ConsentEndpoint
from .routes import consent_routes

# How often proof-of-consent entries past their keeping period are deleted.
PURGE_EVERY_SECONDS = 6 * 3600
PURGE_JOB = "consent.purge"


async def purge_old_proofs(
    database: ConsentDatabase,
    years: int,
    now: datetime | None = None,
    chunk: int = 5000,
    longest_months: int = MAX_CONSENT_LIFETIME_MONTHS,
) -> int:
    """Deletes the proof-of-consent entries kept as long as they must be; how many. A large backlog goes in
    chunks, each its own transaction, with visitors' choices recorded in between."""
    cutoff = log.proof_cutoff(now or datetime.now(UTC), years, longest_months)
    deleted = 0
    while True:
        done = await database.write(lambda session: session.log.purge(cutoff, chunk))
        deleted += done
        if done < chunk:
            return deleted


class ConsentFeature:
    """Built by the composition root (privacy/assembly.py), which hands it its limit and templates."""

    def __init__(
        self, settings: Settings, published: Published, database: ConsentDatabase, choices: Limit, renderer: Renderer
    ) -> None:
        self.settings = settings
        self.published = published
        self.database = database
        endpoint = ConsentEndpoint(settings, published.current.content, database, choices)
        # The signer, log and limits are shared by every snapshot's endpoint.
        self._routes = consent_routes(published.follow("consent", endpoint.over), renderer)

    def routes(self) -> list[BaseRoute]:
        return self._routes

    async def purge(self) -> None:
        """Old proofs deleted, by one instance in each period."""
        if await self.database.write(lambda session: due(session.runs, PURGE_JOB, PURGE_EVERY_SECONDS)):
            longest = log.longest_choice_months(self.published.current.content)
            await purge_old_proofs(self.database, self.settings.consent_proof_years, longest_months=longest)

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        async with every(PURGE_EVERY_SECONDS, self.purge, "deleting old proof-of-consent entries"):
            yield
