"""The real server for the crash test, with rate limits lifted (every post comes from 127.0.0.1).

    python -m tests.rights.serve_for_test PORT      (settings from the environment)
"""

from __future__ import annotations

import sys

import uvicorn

from privacy.app import create_app
from privacy.rights import limits
from privacy.settings import load_settings


def main(port: int) -> None:
    limits.DEFAULT_LIMITS = limits.Limits(per_address=limits.Limit(10**6, 60), per_email=limits.Limit(10**6, 60))
    app = create_app(load_settings())
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main(int(sys.argv[1]))
