"""Work a server does on a schedule for as long as it runs (the features' purges)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager


@asynccontextmanager
async def every(seconds: float, work: Callable[[], Awaitable[object]], what: str) -> AsyncIterator[None]:
    """Runs ``work`` once now (a restart never postpones it), then every ``seconds`` until the context ends.
    A failure (a locked or full database) is logged, without personal data, and tried again next time: it
    must stop neither the server nor the next run."""

    async def once() -> None:
        try:
            await work()
        except Exception:
            logging.getLogger("privacy.periodic").exception("%s failed; it will run again", what)

    async def regularly() -> None:
        while True:
            await asyncio.sleep(seconds)
            await once()

    await once()
    task = asyncio.create_task(regularly())
    try:
        yield
    finally:
        task.cancel()
