"""Write the built site into a fresh folder, then swap it in.

A failed build never touches what is already published: everything goes to a
temporary sibling of the output folder, which replaces it only at the end.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


class OutputError(Exception):
    pass


class Writer:
    """Refuses to write one file twice or to write outside its folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.written: set[Path] = set()

    def _target(self, relative: str) -> Path:
        # A lexical check is enough: the staging folder is ours and holds no links.
        normal = os.path.normpath(relative)
        if os.path.isabs(normal) or normal == ".." or normal.startswith("../"):
            raise OutputError(f"{relative}: outside the output folder")
        target = self.root / normal
        if target in self.written:
            raise OutputError(f"{relative}: written twice in one build")
        self.written.add(target)
        return target

    def claim(self, names: list[str]) -> None:
        """Files placed by another process or carried over: same checks, no write."""
        for name in names:
            self._target(name)

    def write(self, relative: str, body: str | bytes) -> Path:
        target = self._target(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = body.encode("utf-8") if isinstance(body, str) else body
        target.write_bytes(data)
        return target


def hashed_name(stem: str, suffix: str, body: bytes) -> str:
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:10]}{suffix}"


def staging_folder(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def swap_in(staging: Path, out: Path, retire: Callable[[Path], None] | None = None) -> None:
    """Replace ``out`` with ``staging``; the old output is removed only once the new one is in place (by
    ``retire``, which a caller in a hurry may leave for later)."""
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a web server must read it
    if out.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.replace(out, retired / out.name)
        os.replace(staging, out)
        (retire or _remove)(retired)
    else:
        os.replace(staging, out)


def swap_in_parts(
    staging: Path,
    out: Path,
    folders: list[str],
    files: list[str],
    removed: list[str],
    retire: Callable[[Path], None] | None = None,
) -> None:
    """Replace only what changed: each site folder, then each shared file, by rename.

    Every step is atomic, so a reader always sees a whole site, old or new; the
    build itself has already succeeded before the first rename. What was replaced
    is removed by ``retire``.
    """
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    try:
        for name in [*folders, *removed]:
            if (out / name).exists():
                os.replace(out / name, retired / name.replace("/", "_"))
        for name in folders:
            os.replace(staging / name, out / name)
        for name in files:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, out / name)
    finally:
        (retire or _remove)(retired)
        (retire or _remove)(staging)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
