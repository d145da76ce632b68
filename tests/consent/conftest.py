"""Fixtures of the consent tests: a content folder with one site per mode."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

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


def consent_log_db(client: TestClient) -> sqlite3.Connection:
    """A connection to the proof-of-consent log of the client's app (a database of its own)."""
    return connect(client.app.state.privacy.settings.consent_log, "NORMAL")  # type: ignore[attr-defined]
