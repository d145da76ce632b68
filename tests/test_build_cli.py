"""build.py as legal staff and web teams run it: exit codes and messages, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.factories import REPO, minimal_notice, write_content


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )


def test_check_reports_file_line_field_and_exits_non_zero(tmp_path: Path) -> None:
    notice = minimal_notice()
    notice["processing"][0]["retention"] = {"then": "archiving"}  # a warning
    notice["processing"][0]["legal_basis"] = "contrat"  # an error
    content = write_content(tmp_path / "content", {"clinique": notice})
    result = run("check", "--content", str(content), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert any(
        line.startswith("content/clinique/policy.yaml:")
        and " processing[0].legal_basis: error: “contrat” is not a known code" in line
        for line in lines
    ), result.stderr
    assert lines[-1] == "1 error(s), 0 warning(s) in 1 site(s)"


def untranslated() -> dict[str, Any]:
    # A missing translation is an error; a text in a language the site does not publish is a warning.
    notice = minimal_notice()
    notice["processing"][0]["purpose"]["de"] = "Patienten versorgen"
    return notice


def test_warnings_alone_pass_unless_strict(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": untranslated()})
    relaxed = run("check", "--content", str(content), cwd=tmp_path)
    assert relaxed.returncode == 0
    assert "processing[0].purpose: warning: text in de" in relaxed.stderr
    assert run("check", "--strict", "--content", str(content), cwd=tmp_path).returncode == 1


def test_a_required_fact_missing_fails_unless_the_site_is_a_draft(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice(dpo={"name": "X"})})
    failed = run("check", "--content", str(content), cwd=tmp_path)
    assert failed.returncode == 1
    assert (
        "dpo: error: a DPO is announced without a contact: add an email or a postal address — required by gdpr, "
        "art. 13(1)(b)" in failed.stderr
    )
    content = write_content(tmp_path / "draft", {"clinique": minimal_notice(dpo={"name": "X"}, status="draft")})
    draft = run("check", "--strict", "--content", str(content), cwd=tmp_path)
    assert draft.returncode == 0 and "dpo: warning: a DPO is announced" in draft.stderr


def test_messages_in_french(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice(people="patients")})
    result = run("check", "--lang", "fr", "--content", str(content), cwd=tmp_path)
    assert result.returncode == 1
    assert "people: erreur: une liste est attendue ici" in result.stderr


def test_build_writes_the_pages(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    result = run("--content", str(content), "--out", str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "clinique" / "fr" / "index.html").is_file()
    assert "built 2 page(s)" in result.stderr


def test_failed_build_says_nothing_was_published(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": "languages: [fr\n"})
    result = run("--content", str(content), "--out", str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "nothing was published" in result.stderr
    assert not (tmp_path / "site").exists()


def test_missing_content_folder(tmp_path: Path) -> None:
    result = run("check", "--content", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 1
    assert "the content folder does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_second_build_with_nothing_changed_says_so(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": untranslated()})
    args = ("--content", str(content), "--out", str(tmp_path / "site"))
    assert "1 site(s) rendered, 0 unchanged" in run(*args, cwd=tmp_path).stderr
    again = run(*args, cwd=tmp_path)
    assert again.returncode == 0
    assert "nothing changed since the last build" in again.stderr and "(1 warning(s);" in again.stderr


def test_watch_rebuilds_what_changed_and_stops_on_interrupt(tmp_path: Path) -> None:
    import signal
    import threading
    import time

    content = write_content(tmp_path / "content", {"a": minimal_notice(), "b": minimal_notice()})
    out = tmp_path / "site"
    watcher = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "watch", "--content", str(content), "--out", str(out)],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(watcher.stderr.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 60
        while not any(text in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.05)

    try:
        wait_for("rebuilt 2 site(s)")  # the first build is over: an edit now is a change it has not seen
        write_content(content, {"a": minimal_notice(version="7.0")})
        wait_for("rebuilt 1 site(s)")
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=30)
        reader.join(timeout=10)
        watcher.stderr.close()  # type: ignore[union-attr]
    errors = "".join(lines)
    assert watcher.returncode == 0, errors
    assert "Version 7.0" in (out / "a" / "en" / "index.html").read_text(encoding="utf-8")
    assert "rebuilt 2 site(s)" in errors and "rebuilt 1 site(s)" in errors
    assert "Traceback" not in errors


def test_a_third_language_needs_only_a_catalog_and_the_content(tmp_path: Path) -> None:
    import shutil

    from babel.messages.pofile import read_po, write_po

    locales = tmp_path / "locales"
    shutil.copytree(REPO / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copytree(locales / "en", locales / "de")
    for po in (locales / "de" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale="de")
        for message in catalog:
            if message.id and isinstance(message.id, str):
                message.string = f"[de] {message.id}"  # a stand-in translator
        with po.open("wb") as handle:
            write_po(handle, catalog)
    notice = minimal_notice(languages=["fr", "en", "de"])
    for category in notice["data_categories"]:
        category["name"]["de"] = "Kategorie"
    notice["processing"][0]["purpose"]["de"] = "Patienten versorgen"
    notice["processing"][0]["retention"]["starting"]["de"] = "nach dem letzten Besuch"
    content = write_content(tmp_path / "content", {"klinik": notice})
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--content", str(content), "--out", str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PRIVACY_LOCALES_DIR": str(locales)},
    )
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "klinik" / "de" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in page and "Patienten versorgen" in page
    assert "[de] Your rights" in page and "Deutsch" in page
    assert "20 Jahre" in page  # Babel's German for the retention period
