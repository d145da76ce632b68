"""What a feature of the server gives the composition root (``privacy/assembly.py``): its endpoints and the work
it does for as long as the server runs. Its DPO commands are its package's ``add_commands``: the command line
is parsed before any setting is read."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from .stores import Runs


class Feature(Protocol):
    def routes(self) -> list[BaseRoute]: ...

    def lifespan(self) -> AbstractAsyncContextManager[None]:
        """Started before the server answers, stopped (every task it began) before the databases close."""


def due(runs: Runs, job: str, every_seconds: float) -> bool:
    """Whether this instance runs ``job`` now: of several instances on one database, the first to ask in each
    period (``stores.Runs``). A little short of the period, so that the instance that ran it last, asking again
    a period later, is never refused by its own last run."""
    return runs.claim(job, datetime.now(UTC), timedelta(seconds=every_seconds * 0.99))
