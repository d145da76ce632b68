"""The PostgreSQL test cluster is real, durable, reachable on loopback only, and gives each test a database of its
own; when it cannot start, the run fails and says why."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.factories import REPO
from tests.support.postgres import PostgresCluster, PostgresUnavailable, find_bindir


def test_the_cluster_keeps_durability_on(postgres_cluster: PostgresCluster) -> None:
    with postgres_cluster.connect() as connection:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            assert connection.execute(f"SHOW {setting}").fetchone() == ("on",), setting


def test_the_cluster_listens_on_loopback_and_its_own_folder_only(postgres_cluster: PostgresCluster) -> None:
    with postgres_cluster.connect() as connection:
        assert connection.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert connection.execute("SHOW unix_socket_directories").fetchone() == (str(postgres_cluster.socket_dir),)
    assert (postgres_cluster.socket_dir / f".s.PGSQL.{postgres_cluster.port}").is_socket()


def test_a_password_is_required(postgres_cluster: PostgresCluster) -> None:
    url = postgres_cluster.url().replace(postgres_cluster.password, "wrong")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(url, connect_timeout=10).close()


def test_each_database_is_fresh_and_its_own(make_postgres_database: Callable[..., str]) -> None:
    first, second = make_postgres_database(), make_postgres_database()
    assert first != second
    with psycopg.connect(first) as connection:
        connection.execute("CREATE TABLE consent (id integer PRIMARY KEY)")
        connection.execute("INSERT INTO consent VALUES (1)")
    with psycopg.connect(first) as connection:
        assert connection.execute("SELECT id FROM consent").fetchall() == [(1,)]
    with psycopg.connect(second) as connection:
        assert connection.execute("SELECT to_regclass('consent')").fetchone() == (None,)


def test_a_database_can_be_copied_from_a_template(
    postgres_cluster: PostgresCluster, make_postgres_database: Callable[..., str]
) -> None:
    template = postgres_cluster.create_database()
    try:
        with psycopg.connect(postgres_cluster.url(template)) as connection:
            connection.execute("CREATE TABLE schema_version (version integer)")
            connection.execute("INSERT INTO schema_version VALUES (7)")
        copy = make_postgres_database(template=template)
        with psycopg.connect(copy) as connection:
            assert connection.execute("SELECT version FROM schema_version").fetchall() == [(7,)]
    finally:
        postgres_cluster.drop_database(template)


def test_a_database_left_open_is_dropped_all_the_same(postgres_cluster: PostgresCluster) -> None:
    name = postgres_cluster.create_database()
    forgotten = psycopg.connect(postgres_cluster.url(name))
    try:
        postgres_cluster.drop_database(name)
        with postgres_cluster.connect() as connection:
            assert connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None
    finally:
        forgotten.close()


def test_missing_server_programs_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PRIVACY_TEST_PG_BINDIR", str(tmp_path))
    with pytest.raises(PostgresUnavailable, match=r"initdb, postgres.*PRIVACY_TEST_PG_BINDIR=.*apt-get install"):
        find_bindir()


def test_a_cluster_that_cannot_start_fails_the_run_rather_than_skipping(tmp_path: Path) -> None:
    test = "tests/support/test_postgres_cluster.py::test_the_cluster_keeps_durability_on"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=REPO,
        env={**os.environ, "PRIVACY_TEST_PG_BINDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    summary = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 1, run.stdout
    assert "1 error" in summary and "skipped" not in summary, summary
    assert "PostgreSQL test cluster: PostgreSQL's server programs (initdb, postgres) were not found" in run.stdout
