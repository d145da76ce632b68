"""Serve the built pages and the consent and rights-request endpoints.

    python server.py [--host H] [--port P]      serve (the default command)
    python server.py COMMAND --help             the DPO's commands below
"""

from __future__ import annotations

import argparse
import sys

from privacy import consent, rights
from privacy.server_cli import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="serve the pages and endpoints (the default)")
    consent.add_commands(commands)
    rights.add_commands(commands)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args))
    return serve(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
