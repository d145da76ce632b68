"""Which version of an installed library is there, found without importing it: what the build's cache and the
catalogs' cached answers are tied to."""

from __future__ import annotations

import importlib.util
import os


def install_stamp(package: str) -> str:
    """Where ``package`` is installed and when: an upgrade rewrites its files."""
    spec = importlib.util.find_spec(package)
    origin = spec.origin if spec and spec.origin else ""
    try:
        return f"{package}:{origin}:{os.stat(origin).st_mtime_ns}"
    except OSError:
        return f"{package}:{origin}"
