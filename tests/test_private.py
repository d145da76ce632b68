"""var/ and what it holds are the server's user's only (0700, 0600), whatever the umask it was started with."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.rights.conftest import good_form
from tests.rights.test_pages import FORM, wait_for_mail


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)  # the worst an operator's shell may have
    try:
        yield
    finally:
        os.umask(previous)


def test_var_and_its_files_are_private_whatever_the_umask(
    open_umask: None, make_client: Callable[..., TestClient], content_dir: Path, tmp_path: Path
) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o777)
    os.chmod(var, 0o777)  # made by hand, open to all: the server closes it
    client = make_client(content_dir, PRIVACY_SECRET_KEYS="")  # development: the key file under var/
    assert client.post(FORM, data=good_form(), follow_redirects=False).status_code == 303
    client.post("/consent", json={"site": "clinique", "action": "reject"})
    wait_for_mail(var / "maildir", 2)
    assert _mode(var) == 0o700
    files = [
        var / name
        for name in (
            "development-secret-key",
            "privacy.sqlite3",
            "privacy.sqlite3-wal",
            "privacy.sqlite3-shm",
            "consent-log.sqlite3",
            "consent-log.sqlite3-wal",
        )
    ]
    mails = sorted((var / "maildir" / "new").iterdir())
    assert len(mails) == 2
    assert {str(path.relative_to(var)): oct(_mode(path)) for path in files + mails if _mode(path) != 0o600} == {}
    assert all(_mode(var / "maildir" / sub) == 0o700 for sub in ("new", "cur", "tmp"))


def test_a_database_left_readable_by_an_earlier_version_is_made_private(tmp_path: Path) -> None:
    from privacy.sqlite.database import connect

    path = tmp_path / "privacy.sqlite3"
    names = ("privacy.sqlite3", "privacy.sqlite3-wal", "privacy.sqlite3-shm")
    earlier = sqlite3.connect(path, isolation_level=None)
    earlier.execute("PRAGMA journal_mode=WAL")
    earlier.execute("CREATE TABLE t (x)")
    for name in names:
        os.chmod(tmp_path / name, 0o644)
    db = connect(path)
    try:
        assert {name: oct(_mode(tmp_path / name)) for name in names} == dict.fromkeys(names, oct(0o600))
        # The earlier connection still works beside it.
        earlier.execute("INSERT INTO t VALUES (1)")
        assert db.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    finally:
        db.close()
        earlier.close()
