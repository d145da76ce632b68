from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from starlette.testclient import TestClient

from privacy.app import create_app
from privacy.settings import Settings, load_settings
from tests.factories import minimal_notice, settings_env, write_content
from tests.support.backends import DATABASE_URLS, Backend, backend_env

pytest_plugins = ["tests.support.fixtures"]

# No property test has a time limit: a first example that compiles templates on a loaded machine is no failure
# (speed is measured in bench/, never asserted in a test).
hypothesis_settings.register_profile("untimed", deadline=None)
hypothesis_settings.load_profile("untimed")


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """One valid site, ``clinique``, with no optional cookies."""
    return write_content(tmp_path / "content", {"clinique": minimal_notice()})


@pytest.fixture
def storage_backend() -> Backend:
    """The backend a test's server keeps its data in: SQLite, unless its module runs it on both
    (tests/support/backends.py)."""
    return "sqlite"


@pytest.fixture
def make_settings(
    tmp_path: Path, storage_backend: Backend, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Settings]]:
    def factory(content: Path, **extra: str) -> Settings:
        return load_settings(
            settings_env(tmp_path, content, **{**backend_env(tmp_path, storage_backend, request), **extra})
        )

    yield factory
    DATABASE_URLS.pop(tmp_path, None)


@pytest.fixture
def make_client(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., TestClient]]:
    """``make_client(content_dir)`` → a TestClient over the real app, closed after the test."""
    clients: list[TestClient] = []

    def factory(content: Path, **extra: Any) -> TestClient:
        client = TestClient(create_app(make_settings(content, **extra)), base_url="https://testserver")
        client.__enter__()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient], content_dir: Path) -> TestClient:
    return make_client(content_dir)
