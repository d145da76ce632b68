"""Every published version of a notice, kept beside its policy.yaml: the archive the build keeps.

``content/<site>/versions/`` holds a copy of policy.yaml as each version was published, byte for byte (its
comments too), and ``versions.yaml``, the list of them with the day each was published. The build adds a
version when it publishes content that differs from the last one; the copies are committed with the content.
Earlier versions therefore need nothing but the content folder: not git's history, which a shallow clone (the
default of most CI services) or a CDN deploy from an export does not have, and in which one commit is not one
published version.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .source import read_yaml

if TYPE_CHECKING:
    from .model import Notice

# The first line of a policy.yaml, for editors (README: “Writing a notice”); a URL or an absolute path stays as is.
_SCHEMA_POINTER = re.compile(rb"\A(# yaml-language-server: \$schema=)(?![a-z][a-z0-9+.-]*:|/)(\S+)")
ARCHIVE = "versions"
INDEX = "versions.yaml"
POLICY_FILE = "policy.yaml"
_INDEX_HEADER = (
    "# Every published version of this notice, oldest first, kept by build.py: commit this folder with policy.yaml.\n"
    "# Each file is policy.yaml as it was published; a version's address is /<site>/<lang>/versions/<version>/.\n"
)
# What a row of the record of processing activities says besides the processing itself.
_SHARED_FACTS = ("publisher", "joint_controllers", "dpo", "processors", "transfers", "security", "acting_for")


@dataclass(frozen=True)
class Version:
    id: str
    published: date
    file: Path


@dataclass(frozen=True)
class ActivityDates:
    """When a processing first appeared in the published versions, and when it last changed."""

    created: date | None = None
    last_changed: date | None = None


class ArchiveError(Exception):
    """The archive cannot be read, or a version would change what was published under its number."""


def archived(site_dir: Path) -> list[Version]:
    """The site's published versions, oldest first; none when it has no archive."""
    index = site_dir / ARCHIVE / INDEX
    if not index.is_file():
        return []
    try:
        entries = yaml.safe_load(index.read_text(encoding="utf-8")) or []
        versions = [
            Version(str(e["version"]), _day(e["published"]), site_dir / ARCHIVE / str(e["file"])) for e in entries
        ]
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise ArchiveError(f"{index}: {error}") from error
    return versions


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def notice_data(path: Path) -> dict[str, Any]:
    """A version's data as the notice model reads it (durations canonical, anchors resolved), to compare."""
    stat = path.stat()
    # Read again only when the file changed: a rebuild compares the same archived versions every time.
    return copy.deepcopy(_notice_data(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=256)
def _notice_data(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    from .model import Notice

    document = read_yaml(path)
    data = document.data if isinstance(document.data, dict) else {}
    try:
        return Notice.model_validate(data).model_dump(mode="json", exclude_none=True)
    except ValueError:
        return data  # an old version the format has moved on from: compared as written


def _activities(data: dict[str, Any]) -> dict[str, Any]:
    """Each processing with what its row of the record says: the data and recipients it names, the site's facts."""
    shared = {key: data.get(key) for key in _SHARED_FACTS}
    categories = {d.get("id"): d for d in data.get("data_categories") or [] if isinstance(d, dict)}
    recipients = {r.get("id"): r for r in data.get("recipients") or [] if isinstance(r, dict)}
    rows = {}
    for activity in data.get("processing") or []:
        if isinstance(activity, dict) and "id" in activity:
            rows[str(activity["id"])] = {
                "processing": activity,
                "data": [categories.get(i) for i in activity.get("data") or []],
                "recipients": [recipients.get(i) for i in activity.get("recipients") or []],
                **shared,
            }
    return rows


def activity_dates(site_dir: Path) -> dict[str, ActivityDates]:
    """For each processing of the published versions: the day it first appeared and the day it last changed.

    A processing changed since the last published version has no date yet: it is dated when it is published."""
    versions = archived(site_dir)
    if not versions:
        return {}
    dates: dict[str, ActivityDates] = {}
    before: dict[str, Any] = {}
    for version in versions:
        now = _activities(notice_data(version.file))
        for key, row in now.items():
            known = dates.get(key)
            if known is None or key not in before:
                dates[key] = ActivityDates(known.created if known else version.published, version.published)
            elif row != before[key]:
                dates[key] = ActivityDates(known.created, version.published)
        before = now
    current = _activities(notice_data(site_dir / POLICY_FILE))
    return {
        key: (dates[key] if before.get(key) == row else ActivityDates(dates[key].created if key in dates else None))
        for key, row in current.items()
    }


def _file_name(version_id: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in version_id) + ".yaml"


def version_id(declared: str | None, published: date, taken: set[str]) -> str:
    """The notice's own version number, else the day it is published (a second one that day: “…-2”)."""
    if declared:
        return declared
    candidate, n = published.isoformat(), 1
    while candidate in taken:
        n += 1
        candidate = f"{published.isoformat()}-{n}"
    return candidate


def pending(site_dir: Path, declared: str | None) -> tuple[bool, Version | None]:
    """Whether policy.yaml says something its last published version does not, and that version.

    Raises ArchiveError when it keeps the number of an earlier version while saying something else: a permanent
    address must keep showing what was published under it."""
    versions = archived(site_dir)
    current = notice_data(site_dir / POLICY_FILE)
    last = versions[-1] if versions else None
    if last is not None and notice_data(last.file) == current:
        return False, last
    if declared and any(v.id == declared for v in versions):
        raise ArchiveError(declared)
    return True, last


def archive(site_dir: Path, declared: str | None, published: date) -> Version | None:
    """Add policy.yaml to the archive as a new version when it differs from the last one; the version added."""
    changed, _ = pending(site_dir, declared)
    if not changed:
        return None
    versions = archived(site_dir)
    identifier = version_id(declared, published, {v.id for v in versions})
    folder = site_dir / ARCHIVE
    folder.mkdir(exist_ok=True)
    target = folder / _file_name(identifier)
    target.write_bytes(archived_copy((site_dir / POLICY_FILE).read_bytes()))
    entries = [{"version": v.id, "published": v.published.isoformat(), "file": v.file.name} for v in versions]
    entries.append({"version": identifier, "published": published.isoformat(), "file": target.name})
    index = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False)
    (folder / INDEX).write_text(_INDEX_HEADER + index, encoding="utf-8")
    return Version(identifier, published, target)


def archived_copy(policy: bytes) -> bytes:
    """policy.yaml as the archive keeps it: byte for byte, but for the editor's pointer to the schema on its
    first line, a path from the file's own folder, which from versions/ is one folder further up."""
    return _SCHEMA_POINTER.sub(rb"\g<1>../\g<2>", policy, count=1)


def cookies_at_last_significant_change(site_dir: Path, current: Notice | None = None) -> dict[str, Any] | None:
    """The cookies of the last state, among the published versions and policy.yaml (``current``: as read
    already), that changed them significantly (privacy/changes.py); None when there is no archive (the current
    ones count)."""
    from .changes import compare

    versions = archived(site_dir)
    if not versions:
        return None
    now = current.model_dump(mode="json", exclude_none=True) if current else notice_data(site_dir / POLICY_FILE)
    states = [notice_data(v.file) for v in versions] + [now]
    basis = states[0]
    for before, after in itertools.pairwise(states):
        if compare(before, after).significant_for_cookies:
            basis = after
    cookies = basis.get("cookies")
    return cookies if isinstance(cookies, dict) else None
