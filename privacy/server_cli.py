"""What server.py's commands do, importable so tests call them directly."""

from __future__ import annotations

import sys

import uvicorn

from .app import ContentError, create_app
from .i18n import SOURCE_LANGUAGE
from .settings import SettingsError, load_settings


def serve(host: str, port: int) -> int:
    try:
        settings = load_settings()
        app = create_app(settings)
    except SettingsError as error:
        print(f"server.py: {error}", file=sys.stderr)
        return 2
    except ContentError as error:
        for problem in error.content.errors:
            print(problem.render(SOURCE_LANGUAGE), file=sys.stderr)
        print("server.py: fix the content errors above (python build.py check), then start again", file=sys.stderr)
        return 2
    # No access log: URLs and client addresses of visitors are personal data.
    uvicorn.run(app, host=host, port=port, access_log=False, proxy_headers=False, server_header=False)
    return 0
