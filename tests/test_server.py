"""The server serves the built pages with strict security headers, and refuses unsafe starts."""

from __future__ import annotations

import subprocess
import sys
import time
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


def _started_server_log(tmp_path: Path, **env: str) -> str:
    """What the real server says on stderr until uvicorn reports it is running (bounded: 30 s)."""
    from tests.support.quality import free_port

    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    log = tmp_path / "server.log"
    environment = {"PATH": "/usr/bin:/bin", "PRIVACY_VAR_DIR": str(tmp_path / "var"),
                   "PRIVACY_CONTENT_DIR": str(content), "PRIVACY_PUBLIC_DIR": str(tmp_path / "public"), **env}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, str(REPO / "server.py"), "--port", str(free_port())], cwd=REPO,
                                   env=environment, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "Uvicorn running" not in log.read_text(errors="replace"):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)
    return log.read_text(errors="replace")


PRODUCTION = {
    "PRIVACY_ENV": "production", "PRIVACY_SECRET_KEYS": "Kq7-vZ2pLw9xR4tY8nB3mC6dF1gH5jS0aE",
    "PRIVACY_PUBLIC_ORIGIN": "https://clinique.example", "PRIVACY_SMTP_HOST": "127.0.0.1",
    "PRIVACY_SMTP_SECURITY": "none",
}


def test_production_without_a_trusted_proxy_warns_the_operator_in_their_language(tmp_path: Path) -> None:
    said = _started_server_log(tmp_path, **PRODUCTION, LANG="fr_FR.UTF-8")
    assert "server.py: avertissement\xa0: PRIVACY_FORWARDED_ALLOW_IPS est vide" in said
    assert "Traceback" not in said


def test_the_warning_is_only_for_production_without_a_proxy(tmp_path: Path) -> None:
    from privacy.settings import NO_TRUSTED_PROXY, load_settings, startup_warnings

    env = {"PRIVACY_CONTENT_DIR": str(tmp_path), "PRIVACY_VAR_DIR": str(tmp_path / "var")}
    assert startup_warnings(load_settings({**env, **PRODUCTION})) == [NO_TRUSTED_PROXY]
    assert startup_warnings(load_settings({**env, **PRODUCTION, "PRIVACY_FORWARDED_ALLOW_IPS": "127.0.0.1"})) == []
    assert startup_warnings(load_settings(env)) == []
