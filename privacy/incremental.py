"""What changed since the last build, found cheaply.

The build records, beside its output, a fingerprint of everything every page
depends on (templates, catalogs, widget, code, registry, base URL, the installed
rendering libraries) and one hash per site's policy.yaml. A rebuild renders
only the sites whose file changed and carries the others over. This module uses
the standard library only, so that "nothing changed" is answered before any
heavy import.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .installed import install_stamp

FORMAT = 1
MANIFEST = ".build/manifest.json"
ROOT = Path(__file__).resolve().parent.parent
# Everything a page depends on besides its own policy.yaml (and the catalogs, wherever PRIVACY_LOCALES_DIR puts
# them: see _shared_folders).
SHARED_SOURCES = ("templates", "widget", "privacy")
SHARED_SUFFIXES = {".py", ".html", ".css", ".js", ".po"}
# Libraries whose upgrade can change a page (markup, validation, formats): their install is part of the
# fingerprint, found without importing them (the no-change answer must stay quick).
RENDERING_LIBRARIES = ("jinja2", "markupsafe", "markdown", "pydantic", "pydantic_core", "yaml", "babel")
POLICY_FILE = "policy.yaml"
REGISTRY_FILE = "_registry.yaml"


@dataclass
class SiteRecord:
    hash: str
    files: list[str]
    name: Any  # the publisher's name, a Label
    languages: list[str]
    sitemap: list[list[Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    draft: bool = False


@dataclass
class Manifest:
    shared: str
    sites: dict[str, SiteRecord]
    format: int = FORMAT
    # The hash of the registry the build read (None from older builds): with the sites' hashes, what the running
    # server checks before it serves the content of this build (privacy/snapshot.py).
    registry: str | None = None

    def to_json(self) -> str:
        sites = {site_id: vars(record) for site_id, record in self.sites.items()}
        return json.dumps(
            {"format": self.format, "shared": self.shared, "registry": self.registry, "sites": sites},
            ensure_ascii=False,
            separators=(",", ":"),
        )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _shared_folders(root: Path) -> list[tuple[str, Path]]:
    from . import i18n  # standard library only, like this module; read at call time (tests point it elsewhere)

    return [(name, root / name) for name in SHARED_SOURCES] + [("locales", i18n.LOCALES_DIR)]


def shared_fingerprint(content_dir: Path, base_url: str | None, root: Path = ROOT) -> str:
    digest = hashlib.sha256(f"{FORMAT}\n{base_url or ''}\n".encode())
    for name, folder in _shared_folders(root):
        for path in sorted(folder.rglob("*")):
            if path.suffix in SHARED_SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                digest.update(f"{name}/{path.relative_to(folder)}".encode() + b"\0" + path.read_bytes() + b"\0")
    registry = content_dir / REGISTRY_FILE
    digest.update(registry.read_bytes() if registry.is_file() else b"-")
    digest.update(_library_stamps().encode())
    return digest.hexdigest()


def _library_stamps() -> str:
    return "\n".join(install_stamp(name) for name in RENDERING_LIBRARIES)


def registry_hash(content_dir: Path) -> str | None:
    """The hash of the registry file (None when it cannot be read)."""
    try:
        return _digest((content_dir / REGISTRY_FILE).read_bytes())
    except OSError:
        return None


def site_hashes(content_dir: Path) -> dict[str, str | None]:
    """Each site folder with the hash of its policy.yaml (None when unreadable)."""
    hashes: dict[str, str | None] = {}
    if not content_dir.is_dir():
        return hashes
    for entry in sorted(os.scandir(content_dir), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            try:
                with open(os.path.join(entry.path, POLICY_FILE), "rb") as handle:
                    hashes[entry.name] = _digest(handle.read())
            except OSError:
                hashes[entry.name] = None
    return hashes


def load_manifest(out: Path) -> Manifest | None:
    try:
        return parse_manifest((out / MANIFEST).read_bytes())
    except OSError:
        return None  # no record: everything is rebuilt


def parse_manifest(text: bytes) -> Manifest | None:
    try:
        data = json.loads(text.decode("utf-8"))
        if data.get("format") != FORMAT:
            return None
        sites = {site_id: SiteRecord(**record) for site_id, record in data["sites"].items()}
        registry = data.get("registry")
        return Manifest(data["shared"], sites, registry=registry if isinstance(registry, str) else None)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # no usable record: everything is rebuilt


def reusable_sites(
    out: Path, previous: Manifest | None, shared: str, hashes: dict[str, str | None]
) -> dict[str, SiteRecord]:
    """The sites whose output can be carried over as it is."""
    if previous is None or previous.shared != shared:
        return {}
    base = str(out)
    return {
        site_id: record
        for site_id, record in previous.sites.items()
        if hashes.get(site_id) == record.hash and all(os.path.isfile(os.path.join(base, name)) for name in record.files)
    }


@dataclass(frozen=True)
class Survey:
    """What a build starts from, read once: the fingerprint of what every page shares, each site's hash,
    and the manifest of the last build (None when there is none or it is unusable)."""

    shared: str
    hashes: dict[str, str | None]
    previous: Manifest | None


def survey(content_dir: Path, out: Path, base_url: str | None) -> Survey:
    return Survey(shared_fingerprint(content_dir, base_url), site_hashes(content_dir), load_manifest(out))


def up_to_date(found: Survey, out: Path) -> bool:
    """Whether nothing at all changed since the build that wrote ``found.previous``."""
    previous = found.previous
    if previous is None or previous.shared != found.shared or set(found.hashes) != set(previous.sites):
        return False
    # The site folders still there is enough here; a full build checks every file.
    return all(
        previous.sites[site_id].hash == digest and os.path.isdir(os.path.join(out, site_id))
        for site_id, digest in found.hashes.items()
    )
