"""Both storage backends for the tests: the embedded SQLite files and a real PostgreSQL database of the test's
own (the throwaway cluster of tests/support/postgres.py).

Every test's settings come from ``make_settings`` (tests/conftest.py), which asks the ``storage_backend`` fixture
which backend to use: SQLite unless a module says otherwise. A module whose tests must hold on both imports
``on_both_backends`` under that name::

    from tests.support.backends import on_both_backends as storage_backend  # noqa: F401

and each of its tests runs twice. ``register_of`` and ``consent_log_of`` read what a test's server stored, on
whichever backend it used.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from privacy.backends import open_stores
from privacy.consent.log import ConsentRecord
from privacy.settings import load_settings
from privacy.stores import StoredRequest
from tests.factories import settings_env

Backend = str  # "sqlite" or "postgresql"
# The PostgreSQL database each test folder's settings point at (set by make_settings).
DATABASE_URLS: dict[Path, str] = {}


@pytest.fixture(params=["sqlite", "postgresql"])
def on_both_backends(request: pytest.FixtureRequest) -> Backend:
    return str(request.param)


def backend_env(tmp_path: Path, backend: Backend, request: pytest.FixtureRequest) -> dict[str, str]:
    """The settings that put a test's server on ``backend``: for PostgreSQL, a fresh database of its own."""
    if backend == "sqlite":
        return {}
    if tmp_path not in DATABASE_URLS:
        DATABASE_URLS[tmp_path] = str(request.getfixturevalue("postgres_database"))
    return {"PRIVACY_DATABASE_URL": DATABASE_URLS[tmp_path]}


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    extra = {"PRIVACY_DATABASE_URL": DATABASE_URLS[tmp_path]} if tmp_path in DATABASE_URLS else {}
    return load_settings(settings_env(tmp_path, tmp_path / "content", **extra))


def register_of(tmp_path: Path) -> list[StoredRequest]:
    """The rights requests the server of the test in ``tmp_path`` stored, oldest first."""
    stores = open_stores(_settings(tmp_path), check=False)
    try:
        with stores.rights.transaction(reading=True) as session:
            return sorted(session.register.every(), key=lambda r: r.received_at)
    finally:
        stores.close()


def consent_log_of(tmp_path: Path, site: str) -> list[ConsentRecord]:
    stores = open_stores(_settings(tmp_path), check=False)
    try:
        with stores.consent.transaction(reading=True) as session:
            return session.log.records(site)
    finally:
        stores.close()
