"""Another instance's (or a DPO command's) changes to the outbox, heard by a worker that waits: a signature of the
outbox's mails still to send, looked at twice a second on a pooled connection (a read of an index)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..stores import StorageFailed

log = logging.getLogger("privacy.postgres")
LOOK_EVERY_SECONDS = 0.5
AFTER_FAILURE_SECONDS = 5.0
# Changes with a new mail (its id), a mail sent or failed (the count), a mail retried by hand (its attempts).
SIGNATURE = (
    "SELECT COALESCE(MAX(id), 0) AS last, COUNT(*) AS waiting, COALESCE(SUM(attempts), 0) AS attempts"
    " FROM rights_outbox WHERE sent_at IS NULL"
)


class OutboxChanges:
    def __init__(self, look: Callable[[], Any], every: float = LOOK_EVERY_SECONDS) -> None:
        self.look = look  # runs SIGNATURE in a transaction of its own, off the event loop
        self.every = every
        self._seen: Any = None

    async def next(self) -> None:
        while True:
            try:
                found = await self.look()
            except StorageFailed as error:
                log.error("the outbox cannot look for mail queued elsewhere (%s); it looks again", error)
                await asyncio.sleep(AFTER_FAILURE_SECONDS)
                continue
            changed = self._seen is not None and found != self._seen
            self._seen = found
            if changed:
                return
            await asyncio.sleep(self.every)

    def close(self) -> None:
        pass  # its connection is the pool's
