"""Serve the built pages and the consent and rights-request endpoints; the DPO's commands.

.venv/bin/python server.py --help lists them (privacy/server_main.py); installed, privacy-notices runs the same.
"""

from __future__ import annotations

import sys

from privacy.server_main import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
