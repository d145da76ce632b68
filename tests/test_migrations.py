"""Versioned schemas: a new database is created at the latest version, one made before migrations were
numbered (today's files, tests/data/unversioned-sqlite/, dumped from a server of that version) refuses the start
until ``server.py migrate`` upgrades it in place, losing nothing, and one made by a newer version refuses too."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import server
from privacy import command_line
from privacy.app import create_app
from privacy.postgres import schema as postgres_schema
from privacy.server_cli import serve
from privacy.settings import load_settings
from privacy.sqlite import schema
from privacy.stores import StorageRefused
from tests.consent.conftest import consent_sites
from tests.factories import settings_env, write_content
from tests.rights.conftest import form_notice, maildir_messages
from tests.support.quality import free_port

EARLIER = Path(__file__).parent / "data" / "unversioned-sqlite"


@pytest.fixture
def earlier_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Both databases as the earlier version left them (two requests, the second's mails never sent; a choice on
    each site), with the content they were made with; the settings in the environment, as server.py reads them."""
    content = write_content(tmp_path / "content", {"clinique": form_notice(), **consent_sites()})
    for name, value in settings_env(tmp_path, content).items():
        monkeypatch.setenv(name, value)
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    for name in ("privacy", "consent-log"):
        db = sqlite3.connect(var / f"{name}.sqlite3")
        db.executescript((EARLIER / f"{name}.sql").read_text())
        db.close()
    return var


def _versions(path: Path) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [v for (v,) in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    finally:
        db.close()


def test_a_new_database_is_created_at_the_latest_version(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    settings = load_settings(settings_env(tmp_path, content))
    with TestClient(create_app(settings), base_url="https://testserver"):
        pass
    assert _versions(settings.database) == [m.version for m in schema.REQUESTS]
    assert _versions(settings.consent_log) == [m.version for m in schema.CONSENT_LOG]


def test_an_earlier_database_refuses_the_start_with_what_to_do(
    earlier_var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(StorageRefused):
        create_app(load_settings())
    assert serve("127.0.0.1", free_port()) == 2
    said = capsys.readouterr().err
    command = command_line.server_command()
    assert "schema version 0" in said and f"{command} backup DEST" in said and f"{command} migrate;" in said
    assert "Traceback" not in said
    assert not _versions_table(earlier_var / "privacy.sqlite3")  # refusing changed nothing


def _versions_table(path: Path) -> bool:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone() is not None
    finally:
        db.close()


def test_migrate_upgrades_an_earlier_database_in_place_and_nothing_is_lost(
    earlier_var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert server.main(["migrate"]) == 0
    said = capsys.readouterr().err
    assert said.count("from version 0 to") == 2
    assert server.main(["migrate"]) == 0
    assert capsys.readouterr().err.count("already up to date") == 2
    settings = load_settings()
    # The server starts on it; its worker sends the mails the earlier version left unsent (drafts it composes).
    with TestClient(create_app(settings), base_url="https://testserver"):
        for _ in range(500):  # bounded: the first pass comes at once
            if len(maildir_messages(settings.maildir)) >= 3:
                break
            time.sleep(0.01)
    sent = maildir_messages(settings.maildir)
    assert sorted(str(m["To"]) for m in sent) == ["ana@example.fr", "bob@example.fr", "dpo@clinique.example"]
    assert server.main(["requests", "--format", "csv"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 3  # the header and both requests
    for site in consent_sites():
        assert server.main(["consent-log", "--site", site, "--format", "json"]) == 0
        assert '"action": "reject"' in capsys.readouterr().out


def test_a_database_of_a_newer_version_is_refused(earlier_var: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert server.main(["migrate"]) == 0
    db = sqlite3.connect(earlier_var / "privacy.sqlite3")
    db.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', '2030-01-01T00:00:00+00:00')")
    db.commit()
    db.close()
    capsys.readouterr()
    assert serve("127.0.0.1", free_port()) == 2
    said = capsys.readouterr().err
    assert "newer version of this server" in said and "Traceback" not in said
    assert server.main(["requests"]) == 2  # the DPO's commands refuse it as well


def test_a_failed_migration_leaves_the_file_as_it_was(earlier_var: Path) -> None:
    path = earlier_var / "privacy.sqlite3"
    broken = (*schema.REQUESTS, schema.Migration(99, "broken", "CREATE TABLE rights_requests (x);"))
    db = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(db, path, broken)
    db.close()
    assert not _versions_table(path)


def _on_postgresql(tmp_path: Path, database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings of a server on ``database``, in the environment, as server.py reads them."""
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    for name, value in settings_env(tmp_path, content, PRIVACY_DATABASE_URL=database).items():
        monkeypatch.setenv(name, value)


def test_postgresql_is_created_at_start_migrated_by_the_command_and_its_password_never_shown(
    tmp_path: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _on_postgresql(tmp_path, postgres_database, monkeypatch)
    assert server.main(["migrate"]) == 0
    assert f"from version 0 to {len(postgres_schema.SCHEMA)}" in capsys.readouterr().err
    with TestClient(create_app(load_settings()), base_url="https://testserver"):
        pass
    assert server.main(["requests"]) == 0  # the DPO's commands on the same database
    assert server.main(["backup", str(tmp_path / "backups")]) == 2
    assert "pg_dump" in capsys.readouterr().err
    password = postgres_database.split(":")[2].split("@")[0]
    unreachable = postgres_database.rsplit(":", 1)[0] + f":{free_port()}/nothing"
    monkeypatch.setenv("PRIVACY_DATABASE_URL", unreachable)
    assert serve("127.0.0.1", free_port()) == 2
    said = capsys.readouterr().err
    assert "cannot be reached" in said and "Traceback" not in said and password not in said


def test_production_refuses_a_database_reached_unencrypted_over_the_network(tmp_path: Path) -> None:
    from privacy.settings import SettingsError
    from tests.factories import PRODUCTION

    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    remote = "postgresql://privacy:secret@db.hospital.example:5432/privacy"
    with pytest.raises(SettingsError, match="unencrypted"):
        load_settings(settings_env(tmp_path, content, **PRODUCTION, PRIVACY_DATABASE_URL=remote))
    safe = load_settings(
        settings_env(tmp_path, content, **PRODUCTION, PRIVACY_DATABASE_URL=remote + "?sslmode=verify-full")
    )
    assert safe.database_url is not None
    with pytest.raises(SettingsError, match="postgresql://"):
        load_settings(settings_env(tmp_path, content, PRIVACY_DATABASE_URL="mysql://x@y/z"))


def test_an_earlier_sqlite_register_and_consent_log_move_to_postgresql_whole(
    earlier_var: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PRIVACY_DATABASE_URL", postgres_database)
    before = (earlier_var / "privacy.sqlite3").read_bytes(), (earlier_var / "consent-log.sqlite3").read_bytes()
    assert server.main(["migrate", "--from", f"sqlite://{earlier_var}"]) == 0
    said = capsys.readouterr().err
    assert "2 row(s) of rights_requests moved" in said and "4 row(s) of rights_outbox moved" in said
    assert "2 row(s) of consent_log moved" in said
    # The files were only read: they are the way back.
    assert (
        (earlier_var / "privacy.sqlite3").read_bytes(),
        (earlier_var / "consent-log.sqlite3").read_bytes(),
    ) == before
    settings = load_settings()
    with TestClient(create_app(settings), base_url="https://testserver"):
        for _ in range(500):  # bounded: the first pass comes at once
            if len(maildir_messages(settings.maildir)) >= 3:
                break
            time.sleep(0.01)
    # The mails the SQLite outbox still held are sent from PostgreSQL, once; the sent ones are not sent again.
    sent = maildir_messages(settings.maildir)
    assert sorted(str(m["To"]) for m in sent) == ["ana@example.fr", "bob@example.fr", "dpo@clinique.example"]
    assert server.main(["requests", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    for site in consent_sites():
        assert server.main(["consent-log", "--site", site, "--format", "json"]) == 0
        assert '"action": "reject"' in capsys.readouterr().out
    # Moving twice would double the register: refused, and nothing is written.
    assert server.main(["migrate", "--from", f"sqlite://{earlier_var}/privacy.sqlite3"]) == 2
    assert "already holds 4 rights requests or proofs of consent" in capsys.readouterr().err


def test_moving_says_what_is_wrong_with_its_source_or_target(
    earlier_var: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert server.main(["migrate", "--from", f"sqlite://{earlier_var}"]) == 2
    assert "set PRIVACY_DATABASE_URL" in capsys.readouterr().err
    monkeypatch.setenv("PRIVACY_DATABASE_URL", "postgresql://privacy@127.0.0.1:1/privacy")
    assert server.main(["migrate", "--from", "mysql://x/y"]) == 2
    assert "--from takes sqlite:///PATH" in capsys.readouterr().err
    assert server.main(["migrate", "--from", f"sqlite://{earlier_var}/missing.sqlite3"]) == 2
    assert "is neither a database of this server" in capsys.readouterr().err


def _sqlite_indexes(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        db.close()


def test_the_previous_consent_log_gains_its_consent_id_index_by_migrate(
    earlier_var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The consent log as the previous version left it: at version 2, its receipts found by reading the log.
    path = earlier_var / "consent-log.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    schema.migrate(db, path, schema.CONSENT_LOG[:2])
    db.close()
    assert "consent_log_consent_id" not in _sqlite_indexes(path)
    assert server.main(["migrate"]) == 0
    assert f"{path}: schema migrated from version 2 to 3" in capsys.readouterr().err
    assert "consent_log_consent_id" in _sqlite_indexes(path)
    assert _versions(path) == [1, 2, 3]


def test_the_previous_postgresql_database_gains_the_consent_id_index_by_migrate(
    tmp_path: Path, postgres_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import psycopg

    _on_postgresql(tmp_path, postgres_database, monkeypatch)
    with monkeypatch.context() as previous:  # the database as the previous version made it
        previous.setattr(postgres_schema, "SCHEMA", postgres_schema.SCHEMA[:2])
        assert server.main(["migrate"]) == 0
    capsys.readouterr()
    with pytest.raises(StorageRefused):
        create_app(load_settings())
    assert server.main(["migrate"]) == 0
    assert "from version 2 to 3" in capsys.readouterr().err
    with psycopg.connect(postgres_database) as connection:
        found = connection.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'consent_log_consent_id'")
        assert "(consent_id, site, recorded_at)" in str(found.fetchone())
