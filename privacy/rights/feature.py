"""The rights-request feature as the server runs it: the form's endpoints, the outbox worker and the purge of
closed requests past their retention."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from starlette.routing import BaseRoute

from ..feature import due
from ..periodic import every
from ..render import Renderer
from ..settings import Settings
from ..snapshot import Published
from ..stores import RightsDatabase
from . import pages as web
from .casework import send_digests, sweep_answers
from .handling import Desk
from .history import SERVER
from .limits import Limits
from .outbox import Worker

# How often closed requests past their site's retention period lose their personal data.
PURGE_EVERY_SECONDS = 6 * 3600
PURGE_JOB = "rights.purge"
# Hourly: an expired answer is deleted within the hour, and the digest goes out soon after its hour (UTC).
LOOK_AFTER_SECONDS = 3600
DIGEST_HOUR = 6


class RightsFeature:
    """Built by the composition root (privacy/assembly.py), which hands it its outbox worker, limits and templates."""

    def __init__(
        self,
        settings: Settings,
        published: Published,
        database: RightsDatabase,
        worker: Worker,
        limits: Limits,
        renderer: Renderer,
    ) -> None:
        self.database = database
        self.worker = worker
        pages = web.Pages(Desk(settings, published.current.content, database), worker, limits, renderer)
        self.current = published.follow("rights", pages.over)
        self._routes = pages.routes(self.current)

    def desk(self) -> Desk:
        """The desk of the content served now."""
        return self.current().desk

    def routes(self) -> list[BaseRoute]:
        return self._routes

    async def purge(self) -> None:
        """Closed requests past their retention purged, by one instance in each period."""
        if await self.database.run(lambda session: due(session.runs, PURGE_JOB, PURGE_EVERY_SECONDS)):
            desk = self.desk()
            await asyncio.to_thread(desk.purge, datetime.now(UTC).date(), None, SERVER)

    async def look_after(self) -> None:
        """Expired answer files deleted; and, from the digest's hour on, the DPO's daily digest queued by one
        instance a day (``casework.send_digests`` marks the day in the database)."""
        desk = self.desk()
        now = datetime.now(UTC)
        await asyncio.to_thread(sweep_answers, desk, now)
        if now.hour >= DIGEST_HOUR and await asyncio.to_thread(send_digests, desk, now) is not None:
            self.worker.wake()

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        self.worker.start()
        try:
            async with (
                every(PURGE_EVERY_SECONDS, self.purge, "purging closed rights requests"),
                every(LOOK_AFTER_SECONDS, self.look_after, "the rights requests' daily digest and expired answers"),
            ):
                yield
        finally:
            await self.worker.stop()
