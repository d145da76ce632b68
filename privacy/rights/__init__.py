"""The rights-request feature: a form per site and language, requests kept in
SQLite, mails delivered through a transactional outbox, and the DPO's commands.

The package's entry points are ``routes(state)``, ``background(state)`` (the
outbox worker, run for the server's lifetime) and ``add_commands(commands)``.
Heavy imports wait until they are needed: the build imports ``form_path``.
"""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from ..app import AppState
    from .handling import Desk
    from .outbox import Worker

# One worker per running app, found again by the app's lifespan.
_workers: dict[int, Worker] = {}
_desks: dict[int, Callable[[], Desk]] = {}  # the desk of the content served now
# How often closed requests past their site's retention period lose their personal data.
PURGE_EVERY_SECONDS = 6 * 3600


def routes(state: AppState) -> list[BaseRoute]:
    from ..database import connect
    from ..rate_limits import Limit
    from . import pages as web
    from .limits import Limits
    from .outbox import Worker
    from .transport import transport_for

    # A connection of its own: no other feature's transaction can interleave with ours.
    db = connect(state.settings.database)

    def compose(connection: sqlite3.Connection, row: sqlite3.Row) -> bytes:
        # With the site as it is published when the mail is written (``current`` is set below).
        return current().desk.compose(connection, row)

    # The outbox worker works in threads on a connection of its own.
    worker = Worker(
        connect(state.settings.database), transport_for(state.settings), state.settings.mail_from, compose=compose
    )
    (per_address, per_address_seconds), (per_email, per_email_seconds) = state.settings.rights_limits
    limits = Limits(Limit(per_address, per_address_seconds), Limit(per_email, per_email_seconds))
    pages = web.pages(state.settings, state.content, db, worker, limits)
    current = state.published.follow("rights", pages.over)
    _workers[id(state)] = worker
    _desks[id(state)] = lambda: current().desk
    return pages.routes(current)


@asynccontextmanager
async def background(state: AppState) -> AsyncIterator[None]:
    from ..periodic import every  # here, like every server-only import: the build imports this package

    worker = _workers.get(id(state))
    if worker is None:
        yield
        return
    desk = _desks[id(state)]

    async def purge() -> None:
        desk().purge(datetime.now(UTC).date())

    worker.start()
    try:
        async with every(PURGE_EVERY_SECONDS, purge, "purging closed rights requests"):
            yield
    finally:
        await worker.stop()


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``requests`` and ``deliver`` (each sets a ``handler``)."""
    from .cli import add_commands as add

    add(commands)
