"""The server serves the built pages with strict security headers, and refuses unsafe starts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from privacy.pipeline import build
from tests.factories import REPO, minimal_notice, write_content


def test_serves_the_built_pages_with_security_headers(tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    assert build(content, tmp_path / "public").ok
    client = make_client(content)
    response = client.get("/clinique/fr/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_no_hsts_over_plain_http(tmp_path: Path, make_settings, content_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from privacy.app import create_app

    with TestClient(create_app(make_settings(content_dir)), base_url="http://testserver") as client:
        assert "strict-transport-security" not in client.get("/").headers


def test_before_the_first_build(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 404
    assert "python build.py" in response.text


def _server(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "PRIVACY_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run([sys.executable, str(REPO / "server.py"), "--port", "1"], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_server_refuses_production_without_a_key(tmp_path: Path) -> None:
    result = _server(tmp_path, PRIVACY_ENV="production")
    assert result.returncode == 2
    assert "PRIVACY_SECRET_KEYS is required in production" in result.stderr
    assert "Traceback" not in result.stderr


def test_server_refuses_content_with_errors(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice(people="patients")})
    result = _server(tmp_path, PRIVACY_CONTENT_DIR=str(content))
    assert result.returncode == 2
    assert "people: error: expected a list here" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_refusal_is_said_in_the_operator_language(tmp_path: Path) -> None:
    result = _server(tmp_path, PRIVACY_ENV="production", LANG="fr_FR.UTF-8")
    assert result.returncode == 2
    assert "PRIVACY_SECRET_KEYS est obligatoire en production" in result.stderr
