"""What server.py's commands do, importable so tests call them directly."""

from __future__ import annotations

import sys

import uvicorn

from .app import ContentError, create_app
from .codes import N_
from .i18n import gettext, operator_language
from .settings import SettingsError, load_settings, startup_warnings


def serve(host: str, port: int) -> int:
    language = operator_language()
    try:
        settings = load_settings()
        app = create_app(settings)
    except SettingsError as error:
        print(f"server.py: {error.text(language)}", file=sys.stderr)
        return 2
    except ContentError as error:
        for problem in error.content.errors:
            print(problem.render(language), file=sys.stderr)
        print("server.py: " + gettext(language, N_("fix the content errors above (python build.py check), then start again")),
              file=sys.stderr)
        return 2
    for warning in startup_warnings(settings):
        print(f"server.py: {gettext(language, warning)}", file=sys.stderr)
    # No access log: URLs and client addresses of visitors are personal data.
    # Behind a reverse proxy, the client address (for rate limits) comes from X-Forwarded-For,
    # trusted only from the proxies named in PRIVACY_FORWARDED_ALLOW_IPS.
    proxied = settings.forwarded_allow_ips is not None
    uvicorn.run(app, host=host, port=port, access_log=False, server_header=False, proxy_headers=proxied,
                forwarded_allow_ips=settings.forwarded_allow_ips if proxied else None)
    return 0
