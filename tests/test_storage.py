"""The databases as the operator looks after them: logs checkpointed while serving and at a clean stop, a damaged
database refused at start, and an online backup of both."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from privacy import storage
from privacy.app import create_app
from privacy.settings import Settings
from tests.factories import REPO, settings_env, write_content
from tests.rights.conftest import form_notice, good_form

FORM = "/rights/clinique/fr/"


def _requests_in_the_file_alone(database: Path, tmp_path: Path) -> int:
    """What a copy of the database file alone holds, without its -wal: what a careless backup would keep."""
    alone = tmp_path / "alone" / database.name
    alone.parent.mkdir(exist_ok=True)
    shutil.copyfile(database, alone)
    db = sqlite3.connect(alone)
    try:
        found = db.execute("SELECT name FROM sqlite_master WHERE name = 'rights_requests'").fetchone()
        return db.execute("SELECT COUNT(*) FROM rights_requests").fetchone()[0] if found else 0
    finally:
        db.close()
        alone.unlink()


def _send(client: TestClient, count: int, first: int = 0) -> None:
    for n in range(first, first + count):
        response = client.post(FORM, data=good_form(email=f"p{n}@example.fr"), follow_redirects=False)
        assert response.status_code == 303


@pytest.fixture
def settings(make_settings: Callable[..., Settings], tmp_path: Path) -> Settings:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    return make_settings(content, PRIVACY_RIGHTS_LIMITS="1000/60,1000/60")


def test_a_clean_stop_leaves_every_request_in_the_database_file(settings: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        _send(client, 30)
    assert _requests_in_the_file_alone(settings.database, tmp_path) == 30
    wal = settings.database.with_name(settings.database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_while_serving_the_log_reaches_the_database_file_within_the_period(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "CHECKPOINT_EVERY_SECONDS", 0.05)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        _send(client, 10)
        for _ in range(200):  # bounded: a few periods
            if _requests_in_the_file_alone(settings.database, tmp_path) == 10:
                break
            time.sleep(0.05)
        assert _requests_in_the_file_alone(settings.database, tmp_path) == 10


def _damage(path: Path) -> None:
    """Overwrites the second page (a table's root) with garbage, as a bad disk or a half-copied file would.
    The clean stop before it moved the whole log into the file."""
    with path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"\xff" * 200)


def _server(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    content = tmp_path / "content"
    environment = {"PATH": "/usr/bin:/bin", **settings_env(tmp_path, content), **env}
    return subprocess.run(
        [sys.executable, str(REPO / "server.py"), *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("database", ["privacy.sqlite3", "consent-log.sqlite3"])
def test_a_damaged_database_refuses_the_start_with_what_to_do(
    settings: Settings, tmp_path: Path, database: str
) -> None:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        _send(client, 5)
        client.post("/consent", json={"site": "clinique", "action": "reject"})
    _damage(tmp_path / "var" / database)
    result = _server(tmp_path, "--port", "1", LANG="fr_FR.UTF-8")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"la base de données {tmp_path / 'var' / database} est endommagée" in result.stderr
    assert "restaurez la dernière sauvegarde" in result.stderr
    with pytest.raises(storage.DatabaseDamaged):
        create_app(settings)


def test_a_damaged_write_ahead_log_refuses_the_start_instead_of_losing_commits_silently(
    tmp_path: Path, settings: Settings
) -> None:
    # Sixty commits that only the log holds (as when the server was killed), then one frame damaged.
    live = tmp_path / "live.sqlite3"
    db = sqlite3.connect(live, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.execute("CREATE TABLE t (x TEXT)")
    for _ in range(60):
        db.execute("INSERT INTO t VALUES (?)", ("x" * 300,))
    settings.database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{live}{suffix}", f"{settings.database}{suffix}")
    db.close()
    log = Path(f"{settings.database}-wal")
    with log.open("r+b") as handle:
        handle.seek(32 + 20 * (24 + 4096) + 100)  # inside the 21st frame
        handle.write(b"\x00damage")
    damaged = log.read_bytes()
    result = _server(tmp_path, "--port", "1", LANG="fr_FR.UTF-8")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"le journal d'écriture anticipée de la base de données {settings.database}" in result.stderr
    dropped = re.search(r"abandonnerait sans rien dire les (\d+) pages écrites après le dommage", result.stderr)
    assert dropped is not None and int(dropped.group(1)) >= 30
    assert log.read_bytes() == damaged  # nothing opened it: the log is there to be saved
    # The operator accepts the loss: with the log moved aside, the server starts.
    log.rename(tmp_path / "damaged-wal")
    storage.check(settings)


def test_a_file_that_is_not_a_database_refuses_the_start(tmp_path: Path, settings: Settings) -> None:
    settings.database.parent.mkdir(parents=True, exist_ok=True)
    settings.database.write_bytes(b"not a database at all, but a file someone put here" * 100)
    result = _server(tmp_path, "--port", "1")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"the database {settings.database} is damaged" in result.stderr


def test_an_online_backup_holds_every_committed_request_in_one_private_file(settings: Settings, tmp_path: Path) -> None:
    destination = tmp_path / "backups" / "today"
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        _send(client, 20)
        client.post("/consent", json={"site": "clinique", "action": "accept"})
        stop = threading.Event()
        sent = [20]

        def keep_writing() -> None:  # the server keeps taking requests during the backup
            while not stop.is_set() and sent[0] < 120:
                _send(client, 1, sent[0])
                sent[0] += 1

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            result = _server(tmp_path, "backup", str(destination))
        finally:
            stop.set()
            writer.join()
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "maildir" in result.stderr and "PRIVACY_SECRET_KEYS" in result.stderr
    assert destination.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in destination.iterdir()) == ["consent-log.sqlite3", "privacy.sqlite3"]
    for copy in destination.iterdir():
        assert copy.stat().st_mode & 0o777 == 0o600
        db = sqlite3.connect(copy)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no log beside it
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        db.close()
    db = sqlite3.connect(destination / "privacy.sqlite3")
    copied = db.execute("SELECT COUNT(*) FROM rights_requests").fetchone()[0]
    mails = db.execute("SELECT COUNT(*) FROM rights_outbox").fetchone()[0]
    db.close()
    assert 20 <= copied <= sent[0] and mails == 2 * copied  # one moment: each request with its mails
    db = sqlite3.connect(destination / "consent-log.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM consent_log").fetchone()[0] == 1
    db.close()


def test_a_restored_backup_serves_again(settings: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        _send(client, 3)
    storage.backup(settings, tmp_path / "backup")
    # The documented restore: server stopped, the copies put back in place of the files and their logs.
    for name in ("privacy.sqlite3", "consent-log.sqlite3"):
        for stale in (tmp_path / "var").glob(name + "*"):
            stale.unlink()
        shutil.copy2(tmp_path / "backup" / name, tmp_path / "var" / name)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        _send(client, 1, 3)
    db = sqlite3.connect(settings.database)
    assert db.execute("SELECT COUNT(*) FROM rights_requests").fetchone()[0] == 4
    db.close()


def test_a_backup_never_overwrites_the_live_database(settings: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        _send(client, 1)
    result = _server(tmp_path, "backup", str(tmp_path / "var"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "would overwrite the database" in result.stderr
    db = sqlite3.connect(settings.database)
    assert db.execute("SELECT COUNT(*) FROM rights_requests").fetchone()[0] == 1
    db.close()


def test_a_backup_folder_that_cannot_be_made_is_refused_without_a_traceback(settings: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        _send(client, 1)
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    result = _server(tmp_path, "backup", str(tmp_path / "a-file" / "backup"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "could not be written to" in result.stderr
