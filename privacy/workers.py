"""Several server processes on one machine (``server.py --workers N``): uvicorn's supervisor binds the port once,
starts N workers that share it, each with the app and the lifespan of its own (its connections, its outbox pass,
its rate limits in the shared database), replaces a worker that dies, and stops them all on SIGTERM or SIGINT.
SIGHUP replaces them one by one, each new worker serving before the old one stops (a new version of the code).
"""

from __future__ import annotations

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

# A worker answers the supervisor's health check from a thread of its own; one silent this long is hung and
# replaced. Longer than uvicorn's 5 s: on a loaded machine a busy worker must not be taken for a hung one.
HEALTH_CHECK_SECONDS = 30


def supervise(config: uvicorn.Config) -> bool:
    """Serve ``config.workers`` processes until told to stop; False when a worker could not start (it said why,
    and the others were stopped: every worker would fail the same way)."""
    config.timeout_worker_healthcheck = HEALTH_CHECK_SECONDS
    socket = config.bind_socket()
    try:
        supervisor = Multiprocess(config, sockets=[socket])
        supervisor.run()
    finally:
        socket.close()
    return not any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)
