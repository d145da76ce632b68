"""Fixtures of the consent tests: a content folder with one site per mode."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from starlette.testclient import TestClient

from privacy.consent.log import ConsentRecord
from privacy.sqlite.database import connect
from tests.factories import minimal_notice, optional_cookies, write_content

ESSENTIAL = "ihu"  # only strictly necessary cookies, like the IHU example
OPT_IN = "clinique"  # declares audience measurement


def consent_sites(**opt_in_overrides: object) -> dict[str, dict[str, Any]]:
    return {
        ESSENTIAL: minimal_notice(publisher={"name": "IHU Imagerie", "contact": {"email": "contact@ihu.example"}}),
        OPT_IN: minimal_notice(cookies={**optional_cookies(), **opt_in_overrides}),
    }


@pytest.fixture
def consent_content(tmp_path: Path) -> Path:
    return write_content(tmp_path / "content", consent_sites())


@pytest.fixture
def consent_client(make_client: Callable[..., TestClient], consent_content: Path) -> TestClient:
    return make_client(consent_content)


_opened: list[psycopg.Connection[Any]] = []


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def consent_log_db(client: TestClient) -> Any:
    """A connection of the test's own (autocommit, rows read by column name) to the proof-of-consent log of the
    client's app, on whichever backend it runs."""
    settings = client.app.state.privacy.settings  # type: ignore[attr-defined]
    if settings.database_url:
        _opened.append(psycopg.connect(settings.database_url, autocommit=True, row_factory=dict_row))
        return _opened[-1]
    db = connect(settings.consent_log, "NORMAL")
    db.row_factory = sqlite3.Row
    return db


def consent_records(client: TestClient, site: str) -> list[ConsentRecord]:
    """The proof-of-consent log of the client's app for ``site``."""
    with client.app.state.privacy.stores.consent.transaction(reading=True) as session:  # type: ignore[attr-defined]
        return session.log.records(site)  # type: ignore[no-any-return]
