"""Another writer's commits to a SQLite database, heard by a worker that waits: SQLite's own change counter.

``PRAGMA data_version`` changes on a connection whenever any other connection — of this process or of another,
such as the DPO's ``server.py requests extend`` — has committed to the database since it last looked. Looking
costs a read of the write-ahead log's index, in shared memory: twice a second is nothing, and a mail queued from
the command line leaves within half a second rather than at the worker's next idle pass.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path

from .database import connect

log = logging.getLogger("privacy.sqlite")
LOOK_EVERY_SECONDS = 0.5
# When the database cannot be read (a moved file, a disk gone): looked at again, less often.
AFTER_FAILURE_SECONDS = 5.0


class DataVersion:
    def __init__(self, path: Path, every: float = LOOK_EVERY_SECONDS) -> None:
        self.path = path
        self.every = every
        self._db: sqlite3.Connection | None = None
        self._seen: int | None = None
        self._using = threading.Lock()  # a look cancelled with its task still runs in its thread: close after it

    def _version(self) -> int:
        with self._using:
            if self._db is None:
                self._db = connect(self.path)  # its own: the pool's connections commit, and would not see themselves
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    async def next(self) -> None:
        while True:
            try:
                version = await asyncio.to_thread(self._version)
            except sqlite3.Error as error:
                log.error("the outbox cannot look for mail queued elsewhere (%s); it looks again", error)
                await asyncio.sleep(AFTER_FAILURE_SECONDS)
                continue
            changed = self._seen is not None and version != self._seen
            self._seen = version
            if changed:
                return
            await asyncio.sleep(self.every)

    def close(self) -> None:
        with self._using:
            if self._db is not None:
                self._db.close()
                self._db = None
