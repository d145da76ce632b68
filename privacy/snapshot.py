"""What the running server answers from: the content of the last complete build, one snapshot replaced whole.

A rebuild while the server runs is picked up without a restart. The build moves its manifest
(``.build/manifest.json``: the hash of each site's policy.yaml and of the registry) in after everything else, so
the server looks only at that file, once a second and off the request path. When it changed, the content folder
is read again in a thread, provided it still holds exactly what that build read (a file edited since, even
half-way, is not considered), checked, and each feature works out from it what it precomputes (cookie
inventories, the rights desk). Then one reference is replaced: a request reads it once and answers from that
snapshot to its end, so every answer is of the old build or of the new one, never of half of each. Content that
cannot be served keeps the previous snapshot in place, with an operator message in the log.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from .codes import N_
from .command_line import build_command
from .content import Content, load_content
from .i18n import gettext, operator_language
from .incremental import (
    MANIFEST,
    POLICY_FILE,
    REGISTRY_FILE,
    Manifest,
    parse_manifest,
    registry_hash,
    site_hashes,
)

# How often the manifest is looked at: one stat a second, whatever the traffic.
FOLLOW_EVERY_SECONDS = 1.0

LOADED = N_("the content of the last build is served from now on (%(sites)s sites)")
EDITED_SINCE = N_(
    "a build has finished, but these files were changed since it read them: %(files)s. The server keeps "
    "serving the previous content until they are again what that build read, or until the next build"
)
HAS_ERRORS = N_(
    "this server finds errors in the content of the last build (was it built by another version of "
    "build.py?): it keeps serving the previous content. Fix them (%(command)s check) and build again:"
)
UNREADABLE = N_(
    "the build's manifest %(path)s cannot be read: the server keeps serving the previous content. "
    "Build again with this version of build.py"
)
NOT_PREPARED = N_(
    "the content of the last build could not be made ready to serve (%(error)s): the server keeps "
    "serving the previous content"
)

T = TypeVar("T")
# A manifest file's identity: a build writes a new file and renames it in, so any new build changes it.
Identity = tuple[int, int, int, int]
log = logging.getLogger("privacy.snapshot")


def manifest_identity(public_dir: Path) -> Identity | None:
    try:
        found = os.stat(public_dir / MANIFEST)
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_mtime_ns, found.st_size)


@dataclass(frozen=True)
class Snapshot:
    """The content, and what each feature worked out from it, served together."""

    content: Content
    build: str | None  # the hash of the manifest it was read after; None when read at start
    prepared: dict[str, Any] = field(default_factory=dict)


class Published:
    """The one reference every request reads, and what makes a snapshot complete."""

    def __init__(self, content: Content, seen: Identity | None = None) -> None:
        self.current = Snapshot(content, None)
        self.seen = seen  # the manifest the current content was read after (or before, at start)
        self._features: dict[str, Callable[[Content], Any]] = {}

    def follow(self, name: str, prepare: Callable[[Content], T]) -> Callable[[], T]:
        """Declares what a feature works out from the content, made for every snapshot before it is served;
        returns how a request gets the current one (call it once per request, and keep what it gave)."""
        self._features[name] = prepare
        self.current.prepared[name] = prepare(self.current.content)  # before the server answers anything
        return lambda: cast(T, self.current.prepared[name])

    def snapshot(self, content: Content, build: str | None) -> Snapshot:
        return Snapshot(content, build, {name: prepare(content) for name, prepare in self._features.items()})


# What the content folder's files look like to stat (name, inode, size, modification time): while a build and the
# content disagree, the files are hashed again only once this changes, not every second.
Signature = tuple[tuple[str, int, int, int], ...]


def content_signature(content_dir: Path) -> Signature:
    found: list[tuple[str, int, int, int]] = []
    names = [REGISTRY_FILE]
    with suppress(OSError):
        names += [f"{e.name}/{POLICY_FILE}" for e in os.scandir(content_dir) if e.is_dir()]
    for name in sorted(names):
        try:
            info = os.stat(content_dir / name)
        except OSError:
            continue
        found.append((name, info.st_ino, info.st_size, info.st_mtime_ns))
    return tuple(found)


def _changed_since(content_dir: Path, manifest: Manifest) -> list[str]:
    """The files of the content folder that are not what the build read."""
    built = {site_id: record.hash for site_id, record in manifest.sites.items()}
    found = site_hashes(content_dir)
    changed = [
        f"{site_id}/{POLICY_FILE}"
        for site_id in sorted(built.keys() | found.keys())
        if built.get(site_id) != found.get(site_id)
    ]
    if manifest.registry is not None and registry_hash(content_dir) != manifest.registry:
        changed.append(REGISTRY_FILE)
    return changed


@dataclass(frozen=True)
class _Waiting:
    changed: list[str]  # the files of the content folder that are not what the build read
    signature: Signature  # what the content folder looked like before they were hashed


@dataclass(frozen=True)
class _Refused:
    content: Content  # with its errors


class _Unreadable:
    pass


class BuildFollower:
    """Replaces the published snapshot after each complete build."""

    def __init__(self, published: Published, content_dir: Path, public_dir: Path) -> None:
        self.published = published
        self.content_dir = content_dir
        self.public_dir = public_dir
        self._told: Identity | None = None  # the build already said to be out of step with the content
        self._waiting: tuple[Identity, Signature] | None = None  # that build, and the content found then
        self._refreeze = False

    async def check(self) -> None:
        if self._refreeze:
            self._refreeze = False
            _refreeze()
        found = manifest_identity(self.public_dir)
        if found is None or found == self.published.seen:
            return
        if self._waiting == (found, content_signature(self.content_dir)):
            return  # the same build, the same files: still out of step
        language = operator_language()
        try:
            outcome = await asyncio.to_thread(self._read)
        except Exception as error:  # a feature that cannot prepare this content must not stop the server
            log.exception(gettext(language, NOT_PREPARED) % {"error": type(error).__name__})
            self.published.seen = found
            return
        if isinstance(outcome, _Waiting):
            # Tried again once the files change (they may match again), but said once.
            self._waiting = (found, outcome.signature)
            if self._told != found:
                self._told = found
                files = ", ".join(str(self.content_dir / name) for name in outcome.changed)
                log.warning(gettext(language, EDITED_SINCE) % {"files": files})
            return
        self.published.seen = found
        self._waiting = None
        if isinstance(outcome, Snapshot):
            self.published.current = outcome
            self._refreeze = True
            log.info(gettext(language, LOADED) % {"sites": len(outcome.content.sites)})
        elif isinstance(outcome, _Refused):
            problems = "\n".join(p.render(language) for p in outcome.content.errors)
            log.error("%s\n%s", gettext(language, HAS_ERRORS) % {"command": build_command()}, problems)
        elif isinstance(outcome, _Unreadable):
            log.error(gettext(language, UNREADABLE) % {"path": self.public_dir / MANIFEST})

    def _read(self) -> Snapshot | _Refused | _Waiting | _Unreadable | None:
        """In a thread: the next snapshot; or the content's errors; or what changed since the build; or the
        manifest unreadable; or None when this manifest says what the served one said."""
        try:
            text = (self.public_dir / MANIFEST).read_bytes()
        except OSError:
            return None  # replaced again meanwhile: its identity changed, seen next time
        digest = hashlib.sha256(text).hexdigest()
        if digest == self.published.current.build:
            return None  # a rebuild that changed nothing
        manifest = parse_manifest(text)
        if manifest is None:
            return _Unreadable()
        signature = content_signature(self.content_dir)  # before reading: an edit during the read changes it
        changed = _changed_since(self.content_dir, manifest)
        if changed:
            return _Waiting(changed, signature)
        content = load_content(self.content_dir)
        changed = _changed_since(self.content_dir, manifest)  # edited while it was being read
        if changed:
            return _Waiting(changed, signature)
        if content.errors:
            return _Refused(content)
        return self.published.snapshot(content, digest)


def _refreeze() -> None:
    """What is loaded lives as long as the server, out of the collector's reach (see app._lifespan): once the
    requests that held the previous snapshot are done, it goes and the new one is frozen in its place."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
        gc.freeze()


@asynccontextmanager
async def following_builds(
    published: Published, content_dir: Path, public_dir: Path, every_seconds: float = FOLLOW_EVERY_SECONDS
) -> AsyncIterator[BuildFollower]:
    """For the server's lifetime: each complete build's content served within about a second of its end."""
    from .periodic import every

    follower = BuildFollower(published, content_dir, public_dir)
    async with every(every_seconds, follower.check, "following the build"):
        yield follower
