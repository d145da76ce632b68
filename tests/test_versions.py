"""Every published version kept at its own address, what changed in each, the feed and build.py diff.

The archive lives in the content folder (content/<site>/versions/): each test makes its own history in a
temporary folder, by building content, changing it and building again, as legal staff would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from privacy.changes import compare
from privacy.pipeline import build
from privacy.versions import archive, archived, archived_copy, notice_data
from tests.factories import REPO, minimal_notice, optional_cookies, write_content

ATOM = "{http://www.w3.org/2005/Atom}"


def build_py(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def changed(notice: dict[str, Any], version: str, **edits: Any) -> dict[str, Any]:
    notice = {**notice, "version": version, **edits}
    return notice


def with_recipient(notice: dict[str, Any]) -> dict[str, Any]:
    notice = dict(notice)
    notice["recipients"] = [*notice["recipients"], {"id": "insurer", "kind": "insurers"}]
    processing = dict(notice["processing"][0])
    processing["recipients"] = ["staff", "insurer"]
    processing["retention"] = {"duration": "30 years"}
    notice["processing"] = [processing]
    return notice


def test_the_build_archives_each_new_version_and_keeps_it_at_a_permanent_address(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    out = tmp_path / "public"
    first = build_py("--content", str(content), "--out", str(out), "--base-url", "https://n.example/", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "archived version 1.0 of clinique" in first.stderr
    assert [v.id for v in archived(content / "clinique")] == ["1.0"]
    # The archive is a byte copy of what was published, comments and all (this file has no schema pointer).
    assert (content / "clinique" / "versions" / "1.0.yaml").read_bytes() == (
        content / "clinique" / "policy.yaml"
    ).read_bytes()

    write_content(content, {"clinique": changed(with_recipient(minimal_notice()), "2.0")})
    second = build_py("--content", str(content), "--out", str(out), "--base-url", "https://n.example/", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert [v.id for v in archived(content / "clinique")] == ["1.0", "2.0"]
    old = (out / "clinique" / "fr" / "versions" / "1.0" / "index.html").read_text()
    assert "Version 1.0, publiée le" in old and "version antérieure de cette notice" in old
    assert '<meta name="robots" content="noindex">' in old
    assert '<link rel="canonical" href="https://n.example/clinique/fr/versions/1.0/">' in old
    assert "Assureurs" not in old  # what version 1.0 said, not what the current one says
    assert "Assureurs" in (out / "clinique" / "fr" / "index.html").read_text()
    current = (out / "clinique" / "fr" / "index.html").read_text()
    assert 'href="versions/"' in current and 'type="application/atom+xml" href="versions/feed.xml"' in current

    changes = (out / "clinique" / "en" / "versions" / "2.0" / "changes" / "index.html").read_text()
    significant = changes.split("Editorial changes")[0]
    assert "Significant changes" in significant
    assert "Recipients: Insurers and mutual health insurers — added" in significant
    assert "Retention: Caring for patients — changed" in significant  # 20 years became 30
    history = (out / "clinique" / "en" / "versions" / "index.html").read_text()
    assert history.index("Version 2.0") < history.index("Version 1.0")  # newest first

    feed = ET.parse(out / "clinique" / "fr" / "versions" / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Version 2.0", "Version 1.0"]
    link = entries[0].find(f"{ATOM}link")
    assert link is not None and link.get("href") == "https://n.example/clinique/fr/versions/2.0/changes/"
    assert entries[0].findtext(f"{ATOM}updated") == f"{date.today().isoformat()}T00:00:00Z"


def test_a_published_version_number_keeps_what_it_said(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    out = tmp_path / "public"
    assert build_py("--content", str(content), "--out", str(out), cwd=tmp_path).returncode == 0
    write_content(content, {"clinique": with_recipient(minimal_notice())})  # still version 1.0
    result = build_py("--content", str(content), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0  # published, and said: check --strict fails on it
    assert "warning: version “1.0” was published with other content" in result.stderr
    assert "Traceback" not in result.stderr
    assert [v.id for v in archived(content / "clinique")] == ["1.0"]
    # The permanent address of 1.0 still says what 1.0 said; the current page says what the file says.
    assert "Assureurs" not in (out / "clinique" / "fr" / "versions" / "1.0" / "index.html").read_text()
    assert "Assureurs" in (out / "clinique" / "fr" / "index.html").read_text()


def test_an_unversioned_notice_is_archived_by_the_day_it_is_published(tmp_path: Path) -> None:
    notice = minimal_notice()
    del notice["version"]
    content = write_content(tmp_path / "content", {"clinique": notice})
    site = content / "clinique"
    assert archive(site, None, date(2025, 5, 1)) is not None
    assert archive(site, None, date(2025, 5, 1)) is None  # nothing changed: no new version
    write_content(content, {"clinique": with_recipient(notice)})
    again = archive(site, None, date(2025, 5, 1))
    assert again is not None and again.id == "2025-05-01-2"


def test_drafts_and_watch_builds_archive_nothing(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"brouillon": minimal_notice(status="draft")})
    assert build_py("--content", str(content), "--out", str(tmp_path / "public"), cwd=tmp_path).returncode == 0
    assert archived(content / "brouillon") == []
    content = write_content(tmp_path / "other", {"clinique": minimal_notice()})
    assert build(content, tmp_path / "public2").ok  # the library's build, as watch and preview use it
    assert archived(content / "clinique") == []


def kinds(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(c.section, c.kind, c.significant) for c in compare(old, new).changes]


def data_of(tmp_path: Path, notice: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(notice, allow_unicode=True), encoding="utf-8")
    return notice_data(path)


def test_changes_are_classified_significant_or_editorial(tmp_path: Path) -> None:
    base = minimal_notice(cookies=optional_cookies())
    old = data_of(tmp_path, base)
    reworded = minimal_notice(cookies=optional_cookies())
    reworded["processing"][0]["purpose"] = {"fr": "Soigner", "en": "Care"}
    reworded["dpo"]["contact"]["email"] = "dpd@clinique.example"
    assert kinds(old, data_of(tmp_path, reworded)) == [("purposes", "changed", False), ("contacts", "changed", False)]

    shorter = minimal_notice(cookies=optional_cookies())
    shorter["processing"][0]["retention"] = {"duration": "10 ans"}
    assert kinds(old, data_of(tmp_path, shorter)) == [("retention", "changed", False)]

    more = minimal_notice(cookies=optional_cookies())
    more["processing"].append(
        {**more["processing"][0], "id": "research", "purpose": {"fr": "Rechercher", "en": "Research"}}
    )
    more["transfers"] = [{"destination": "US", "recipient": "staff", "safeguard": "standard_contractual_clauses"}]
    assert kinds(old, data_of(tmp_path, more)) == [("purposes", "added", True), ("transfers", "added", True)]


def test_only_significant_cookie_changes_move_the_widget_revision(tmp_path: Path) -> None:
    from privacy.consent.inventory import consent_inventory
    from privacy.content import load_registry, load_site

    content = write_content(tmp_path / "content", {"clinique": minimal_notice(cookies=optional_cookies())})
    registry, _ = load_registry(content)

    def revision() -> str:
        site, problems = load_site(content / "clinique", registry)
        assert site is not None, problems
        return consent_inventory(site).revision

    site_dir = content / "clinique"
    archive(site_dir, "1.0", date(2025, 1, 1))
    first = revision()
    cookies = optional_cookies()
    cookies["items"][1]["purpose"] = {"fr": "Mesure l'audience", "en": "Measures the audience"}
    cookies["items"][1]["duration"] = "6 mois"  # shorter: no new consent needed
    write_content(content, {"clinique": minimal_notice(version="2.0", cookies=cookies)})
    archive(site_dir, "2.0", date(2025, 2, 1))
    assert revision() == first
    cookies["items"].append(
        {
            "name": "_ads",
            "provider": "Régie",
            "party": "third",
            "category": "advertising",
            "purpose": {"fr": "Publicité", "en": "Advertising"},
            "duration": "13 mois",
        }
    )
    write_content(content, {"clinique": minimal_notice(version="3.0", cookies=cookies)})
    assert revision() != first  # a new optional cookie and category: everyone is asked again, even before archiving
    archive(site_dir, "3.0", date(2025, 3, 1))
    third = revision()
    assert third != first
    cookies["items"].pop()
    write_content(content, {"clinique": minimal_notice(version="4.0", cookies=cookies)})
    assert revision() == third  # a cookie removed: nothing new to consent to


def test_build_py_diff_prints_the_changes_for_legal_staff(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    archive(content / "clinique", "1.0", date(2025, 1, 1))
    write_content(content, {"clinique": changed(with_recipient(minimal_notice()), "2.0")})
    result = build_py("diff", "--content", str(content), "--site", "clinique", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "What changed in clinique from 1.0 to current:"
    assert "  [significant] Recipients: Insurers and mutual health insurers — added" in lines
    french = build_py("diff", "--content", str(content), "--site", "clinique", "1.0", "--lang", "fr", cwd=tmp_path)
    assert "  [important] Destinataires\u00a0: Assureurs et mutuelles — ajouté" in french.stdout.splitlines()
    wrong = build_py("diff", "--content", str(content), "--site", "clinique", "0.9", cwd=tmp_path)
    assert wrong.returncode == 2 and "no version “0.9” of clinique (versions: 1.0, current)" in wrong.stderr
    assert build_py("diff", "--content", str(content), cwd=tmp_path).returncode == 2


def test_an_archived_copy_points_to_the_schema_from_its_own_folder(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    shutil.copy(REPO / "content" / "notice.schema.json", content / "notice.schema.json")
    policy = content / "clinique" / "policy.yaml"
    pointer = "# yaml-language-server: $schema=../notice.schema.json\n"
    policy.write_text(pointer + "# Written by legal staff.\n" + policy.read_text(encoding="utf-8"), encoding="utf-8")
    version = archive(content / "clinique", "1.0", date(2026, 1, 5))
    assert version is not None
    copy = version.file.read_text(encoding="utf-8")
    first, rest = copy.split("\n", 1)
    assert first == "# yaml-language-server: $schema=../../notice.schema.json"
    assert (version.file.parent / first.split("=", 1)[1]).resolve() == (content / "notice.schema.json").resolve()
    # Everything else is what was published, byte for byte.
    assert rest == policy.read_text(encoding="utf-8").split("\n", 1)[1]
    # A schema given by its address, or no pointer at all, is copied as it is.
    online = b"# yaml-language-server: $schema=https://schemas.example.org/notice.schema.json\nversion: '1'\n"
    assert archived_copy(online) == online
    assert archived_copy(b"version: '1'\n") == b"version: '1'\n"
