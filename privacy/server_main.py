"""server.py's command line, importable, so that the installed console script ``privacy-notices`` runs it too."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import consent, rights
from .codes import N_
from .command_line import quiet_when_reader_goes, speak
from .i18n import operator_language
from .server_cli import run_backup, run_migrate, serve
from .settings_help import settings_text

DESCRIPTION = N_(
    """Serve the built pages and the consent and rights-request endpoints.

server.py [--host H] [--port P] [--workers N]
                                     serve (the default command), in N processes
server.py --help-settings            the settings (environment variables), their defaults and meaning
server.py migrate                    bring the databases to the schema this version needs
server.py backup DEST                copy both databases into DEST, while serving
server.py COMMAND --help             the DPO's commands below

Installed, privacy-notices runs the same commands."""
)


def parser() -> argparse.ArgumentParser:
    _ = speak()
    found = argparse.ArgumentParser(description=_(DESCRIPTION), formatter_class=argparse.RawDescriptionHelpFormatter)
    found.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default: 127.0.0.1)"))
    found.add_argument("--port", type=int, default=8000, help=_("port to listen on (default: 8000)"))
    found.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=_("server processes sharing the port, each with its own connections (default: 1; see docs/deploy.md)"),
    )
    found.add_argument(
        "--help-settings", action="store_true", help=_("list the settings (environment variables), then exit")
    )
    commands = found.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help=_("serve the pages and endpoints (the default)"))
    migrate = commands.add_parser(
        "migrate", help=_("bring the databases to the schema this version needs (back them up first)")
    )
    migrate.add_argument(
        "--from",
        dest="sources",
        action="append",
        metavar="sqlite:///PATH",
        help=_("move these SQLite databases (files, or the folder holding them) into PRIVACY_DATABASE_URL's"),
    )
    migrate.set_defaults(handler=lambda args: run_migrate(args.sources))
    backup = commands.add_parser("backup", help=_("copy both databases, consistently, while the server runs"))
    backup.add_argument("destination", type=Path, metavar="DEST", help=_("the folder to write the copies into"))
    backup.set_defaults(handler=lambda args: run_backup(args.destination))
    consent.add_commands(commands)
    rights.add_commands(commands)
    return found


def _run(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    if args.help_settings:
        print(settings_text(operator_language()), end="")
        return 0
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args))
    return serve(args.host, args.port, args.workers)


def main(argv: list[str] | None = None) -> int:
    return quiet_when_reader_goes(lambda: _run(argv))


def console_script() -> None:
    """``privacy-notices``: server.py's commands, as installed."""
    sys.exit(main())
