"""What server.py's commands do, importable so tests call them directly."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from uvicorn.config import STARTUP_FAILURE

from .app import ContentError, create_app, static_headers
from .codes import N_
from .command_line import build_command
from .i18n import gettext, operator_language, say
from .settings import DEFAULT_LISTEN, Settings, SettingsError, load_settings
from .storage import BackupRefused, backup
from .stores import StorageFailed, StorageRefused
from .workers import supervise

STORAGE_FAILED = N_(
    "the server could not open its storage (%(reason)s): check PRIVACY_VAR_DIR, PRIVACY_DATABASE and "
    "PRIVACY_CONSENT_LOG, that the server's user may write there and that the disk has room"
)


def serve(host: str, port: int, workers: int = 1) -> int:
    """Serve on host:port, in one process or in ``workers`` (each builds the same app from the same settings,
    checked here once first, so that a mistake is said once and no worker starts)."""
    language = operator_language()
    if workers < 1:
        print(
            "server.py: " + gettext(language, N_("--workers must be 1 or more, not %(n)s")) % {"n": workers},
            file=sys.stderr,
        )
        return 2
    checked = _app("server.py", language, listen=(host, port))
    if checked is None:
        return 2
    settings, app = checked
    if workers == 1:
        uvicorn.run(app, host=host, port=port, **_http_options(settings))
        return 0
    app.state.privacy.stores.close()  # each worker opens its own
    # The workers read the settings from the environment again; the public origin worked out here (in
    # development, from the address given to this process) goes with it.
    os.environ["PRIVACY_PUBLIC_ORIGIN"] = settings.public_origin
    config = uvicorn.Config(
        f"{__name__}:worker_app", factory=True, host=host, port=port, workers=workers, **_http_options(settings)
    )
    return 0 if supervise(config) else 2


def worker_app() -> Starlette:
    """The app of one worker of ``serve(workers=N)``, built in its own process."""
    checked = _app("server.py", operator_language(), listen=DEFAULT_LISTEN)
    if checked is None:
        sys.exit(STARTUP_FAILURE)  # the supervisor then stops: the other workers would fail the same way
    return checked[1]


def _app(command: str, language: str, listen: tuple[str, int]) -> tuple[Settings, Starlette] | None:
    """The settings and the app, or None once what stops them is said, in the operator's language."""
    try:
        settings = load_settings(listen=listen)
        # uvicorn adds the security headers to every answer, its own errors (a malformed request) included.
        return settings, create_app(settings, server_sends_headers=True)
    except (SettingsError, StorageRefused) as error:
        print(f"{command}: {say(language, error)}", file=sys.stderr)
    except ContentError as error:
        for problem in error.content.errors:
            print(problem.render(language), file=sys.stderr)
        print(
            f"{command}: "
            + gettext(language, N_("fix the content errors above (%(command)s check), then start again"))
            % {"command": build_command()},
            file=sys.stderr,
        )
    except (OSError, sqlite3.Error, StorageFailed) as error:
        _storage_failed(command, error, language)
    return None


def _http_options(settings: Settings) -> dict[str, Any]:
    # No access log: URLs and client addresses of visitors are personal data.
    # Behind a reverse proxy, the client address (for rate limits) comes from X-Forwarded-For and the scheme
    # from X-Forwarded-Proto, trusted only from the proxies named in PRIVACY_FORWARDED_ALLOW_IPS.
    proxied = settings.forwarded_allow_ips is not None
    headers = [(name.decode(), value.decode()) for name, value in static_headers(settings.production)]
    # httptools, named rather than picked: its answers to requests it cannot parse carry ``headers`` too (h11's
    # do not).
    return {
        "http": "httptools",
        "access_log": False,
        "server_header": False,
        "proxy_headers": proxied,
        "forwarded_allow_ips": settings.forwarded_allow_ips if proxied else None,
        "headers": headers,
    }


def _storage_failed(command: str, error: Exception, language: str) -> None:
    # A start-up failure is the operator's to fix: said in their language, without a traceback.
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    print(f"{command}: " + gettext(language, STORAGE_FAILED) % {"reason": reason}, file=sys.stderr)


def run_migrate(sources: list[str] | None = None) -> int:
    """``server.py migrate``: every database brought to the schema this version needs; what was done. With
    ``sources`` (``--from sqlite:///…``): the SQLite databases moved into PRIVACY_DATABASE_URL's."""
    from .backends import migrate

    language = operator_language()
    if sources:
        return _move(sources, language)
    try:
        settings = load_settings()
        applied = migrate(settings)
    except (SettingsError, StorageRefused) as error:
        print(f"server.py migrate: {say(language, error)}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error, StorageFailed) as error:
        _storage_failed("server.py migrate", error, language)
        return 2
    for done in applied:
        said = (
            N_("%(database)s: schema version %(after)s, already up to date")
            if done.before == done.after
            else N_("%(database)s: schema migrated from version %(before)s to %(after)s")
        )
        print(
            gettext(language, said) % {"database": done.database, "before": done.before, "after": done.after},
            file=sys.stderr,
        )
    return 0


def _move(sources: list[str], language: str) -> int:
    from .postgres.moving import NO_TARGET, move
    from .postgres.moving import sources as source_files
    from .storage import check_files

    try:
        settings = load_settings()
        if not settings.database_url:
            raise SettingsError(NO_TARGET)
        files = source_files(sources)
        check_files(files)
        moved = move(files, settings.database_url)
    except (SettingsError, StorageRefused) as error:
        print(f"server.py migrate: {say(language, error)}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as error:
        _storage_failed("server.py migrate", error, language)
        return 2
    said = N_("%(count)s row(s) of %(table)s moved")
    for done in moved:
        print(gettext(language, said) % {"count": done.rows, "table": done.table}, file=sys.stderr)
    kept = N_(
        "the SQLite files were only read: keep them until the servers run on PostgreSQL, then remove "
        "PRIVACY_DATABASE and PRIVACY_CONSENT_LOG from their settings"
    )
    print(gettext(language, kept), file=sys.stderr)
    return 0


def run_backup(destination: Path) -> int:
    """``server.py backup DEST``: a consistent copy of both databases into DEST, while the server runs."""
    language = operator_language()
    try:
        settings = load_settings()
        if settings.database_url:
            said = N_(
                "the register and the consent log are in PostgreSQL (PRIVACY_DATABASE_URL): back it up with "
                "PostgreSQL's own tools (pg_dump, or continuous archiving), as docs/deploy.md shows"
            )
            print(f"server.py backup: {gettext(language, said)}", file=sys.stderr)
            return 2
        copies = backup(settings, destination)
    except SettingsError as error:
        print(f"server.py backup: {say(language, error)}", file=sys.stderr)
        return 2
    except BackupRefused as error:
        print(f"server.py backup: {gettext(language, error.message) % error.params}", file=sys.stderr)
        return 1
    if not copies:
        print(
            gettext(language, N_("no database yet in %(var)s: nothing to back up")) % {"var": settings.var_dir},
            file=sys.stderr,
        )
        return 1
    for copied in copies:
        print(
            gettext(language, N_("%(source)s copied to %(copy)s (checked, readable by its owner only)"))
            % {"source": copied.source, "copy": copied.copy},
            file=sys.stderr,
        )
    # What the copies do not hold, said every time: a restore needs it too.
    reminder = N_(
        "also keep, by your own means: the mails in %(maildir)s (when no SMTP host is set) and the "
        "signing keys (PRIVACY_SECRET_KEYS; in development the file %(key)s)"
    )
    print(
        gettext(language, reminder) % {"maildir": settings.maildir, "key": settings.var_dir / "development-secret-key"},
        file=sys.stderr,
    )
    return 0
