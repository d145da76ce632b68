"""Serve the built pages and the consent and rights-request endpoints.

python server.py [--host H] [--port P] [--workers N]
                                            serve (the default command), in N processes
python server.py --help-settings            the settings (environment variables), their defaults and meaning
python server.py migrate                    bring the databases to the schema this version needs
python server.py migrate --from sqlite:///var    move the SQLite databases into PRIVACY_DATABASE_URL's
python server.py backup DEST                copy both databases into DEST, while serving
python server.py COMMAND --help             the DPO's commands below
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from privacy import consent, rights
from privacy.i18n import operator_language
from privacy.server_cli import run_backup, run_migrate, serve
from privacy.settings_help import settings_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes sharing the port, each with its own connections (default: 1; see docs/deploy.md)",
    )
    parser.add_argument(
        "--help-settings", action="store_true", help="list the settings (environment variables), then exit"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="serve the pages and endpoints (the default)")
    migrate = commands.add_parser(
        "migrate", help="bring the databases to the schema this version needs (back them up first)"
    )
    migrate.add_argument(
        "--from",
        dest="sources",
        action="append",
        metavar="sqlite:///PATH",
        help="move these SQLite databases (files, or the folder holding them) into PRIVACY_DATABASE_URL's",
    )
    migrate.set_defaults(handler=lambda args: run_migrate(args.sources))
    backup = commands.add_parser("backup", help="copy both databases, consistently, while the server runs")
    backup.add_argument("destination", type=Path, metavar="DEST", help="the folder to write the copies into")
    backup.set_defaults(handler=lambda args: run_backup(args.destination))
    consent.add_commands(commands)
    rights.add_commands(commands)
    args = parser.parse_args(argv)
    if args.help_settings:
        print(settings_text(operator_language()), end="")
        return 0
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args))
    return serve(args.host, args.port, args.workers)


if __name__ == "__main__":
    sys.exit(main())
