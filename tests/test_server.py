"""The server serves the built pages with strict security headers, and refuses unsafe starts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from privacy.app import CONTENT_SECURITY_POLICY, create_app
from privacy.pipeline import build
from tests.factories import PRODUCTION, REPO, minimal_notice, settings_env, write_content
from tests.security.conftest import raw_request, running_server, status_and_headers


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


def test_no_hsts_over_plain_http_in_development(tmp_path: Path, make_settings, content_dir: Path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(content_dir, PRIVACY_PUBLIC_ORIGIN="http://testserver")
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        assert "strict-transport-security" not in client.get("/").headers


def test_before_the_first_build(client: TestClient) -> None:
    # README's command, in the visitor's language: the page leaves this machine, its interpreter's path does not.
    response = client.get("/")
    assert response.status_code == 404
    assert response.text == "Not built yet: run .venv/bin/python build.py"
    french = client.get("/", headers={"Accept-Language": "fr"})
    assert french.status_code == 404
    assert french.text == "Le site n'est pas encore construit\u00a0: lancez .venv/bin/python build.py"


def _server(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "PRIVACY_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, str(REPO / "server.py"), "--port", "1"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


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


def test_a_request_for_another_host_is_refused_in_the_visitors_language(client: TestClient) -> None:
    # A forged Host would otherwise reach every page, and once put the attacker's domain in mails.
    response = client.get(
        "/rights/clinique/fr/", headers={"host": "hospital-login.evil.example", "accept-language": "fr"}
    )
    assert response.status_code == 400
    assert response.text == "Ce serveur ne répond qu’à sa propre adresse\xa0: https://testserver"
    assert "evil" not in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert client.get("/rights/clinique/fr/", headers={"host": "testserver:443"}).status_code == 200
    assert client.get("/rights/clinique/fr/", headers={"host": "TestServer"}).status_code == 200


def test_the_builds_own_files_are_never_served(tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    assert build(content, tmp_path / "public").ok
    assert (tmp_path / "public" / ".build" / "manifest.json").is_file()
    client = make_client(content)
    for path in (
        "/.build/manifest.json",
        "/.build/",
        "/.BUILD/manifest.json",
        "/%2Ebuild/manifest.json",
        "/clinique/%2E%2E/.build/manifest.json",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "compliance" not in response.text and str(tmp_path) not in response.text


def _failing(request: Request) -> Response:
    raise RuntimeError("a defect")


def test_a_server_error_is_localized_and_carries_the_security_headers(make_settings, content_dir: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(content_dir))
    app.router.routes.insert(0, Route("/defect", _failing))
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        response = client.get("/defect", headers={"accept-language": "fr"})
    assert response.status_code == 500
    assert "Un problème est survenu de notre côté" in response.text and "a defect" not in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_production_answers_only_over_https_with_hsts_on_every_answer(make_settings, content_dir: Path) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(make_settings(content_dir, **PRODUCTION)), base_url="https://testserver") as client:
        refused = client.get("http://testserver/rights/clinique/fr/", headers={"accept-language": "en"})
        assert refused.status_code == 400
        assert refused.text == "This site is served over HTTPS only: open https://testserver"
        for path in ("/rights/clinique/fr/", "/nowhere", "/consent"):
            assert client.get(path).headers["strict-transport-security"].startswith("max-age="), path


def test_the_http_servers_own_answers_carry_the_security_headers(tmp_path: Path) -> None:
    # A request uvicorn cannot parse never reaches the app: uvicorn itself adds the headers.
    env = settings_env(
        tmp_path, write_content(tmp_path / "content", {"clinique": minimal_notice()}), PRIVACY_PUBLIC_ORIGIN=""
    )
    with running_server(env, tmp_path / "server.log") as port:
        for request in (
            b"NOT HTTP AT ALL\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n",
            f"GET /rights/clinique/fr/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode(),
        ):
            status, headers = status_and_headers(raw_request(port, request))
            assert status in (200, 400), request
            assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, request
            assert headers.get("x-frame-options") == "DENY", request
            assert "strict-transport-security" not in headers  # development, plain HTTP


def test_production_behind_its_proxy_sends_hsts_on_every_answer(tmp_path: Path) -> None:
    env = settings_env(tmp_path, write_content(tmp_path / "content", {"clinique": minimal_notice()}), **PRODUCTION)
    with running_server(env, tmp_path / "server.log") as port:
        https = raw_request(
            port, b"GET /rights/clinique/fr/ HTTP/1.1\r\nHost: testserver\r\nX-Forwarded-Proto: https\r\n\r\n"
        )
        plain = raw_request(port, b"GET /rights/clinique/fr/ HTTP/1.1\r\nHost: testserver\r\n\r\n")
        malformed = raw_request(port, b"NOT HTTP AT ALL\r\n\r\n")
    assert status_and_headers(https)[0] == 200
    assert status_and_headers(plain)[0] == 400 and b"HTTPS only" in plain
    for answer in (https, plain, malformed):
        headers = status_and_headers(answer)[1]
        assert headers["strict-transport-security"].startswith("max-age=")
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert list(headers).count("content-security-policy") == 1


def test_an_unwritable_var_dir_ends_with_an_operator_message(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    result = _server(tmp_path, PRIVACY_VAR_DIR=str(tmp_path / "a-file" / "var"))
    assert result.returncode == 2
    assert "cannot be read or written" in result.stderr and "PRIVACY_VAR_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_storage_ends_with_an_operator_message(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    result = _server(tmp_path, PRIVACY_SECRET_KEYS="k" * 40, PRIVACY_VAR_DIR=str(tmp_path / "a-file" / "var"))
    assert result.returncode == 2
    assert "PRIVACY_VAR_DIR: " in result.stderr and "cannot be written" in result.stderr
    assert "Traceback" not in result.stderr
    outside = _server(
        tmp_path, PRIVACY_SECRET_KEYS="k" * 40, PRIVACY_DATABASE=str(tmp_path / "a-file" / "db" / "privacy.sqlite3")
    )
    assert outside.returncode == 2 and "could not open its storage" in outside.stderr
    assert "Traceback" not in outside.stderr


def test_production_without_a_trusted_proxy_is_refused_in_the_operators_language(tmp_path: Path) -> None:
    # Without one, the server would take every visitor for plain HTTP, and for one client of the rate limits.
    result = _server(tmp_path, **{**PRODUCTION, "PRIVACY_FORWARDED_ALLOW_IPS": ""}, LANG="fr_FR.UTF-8")
    assert result.returncode == 2
    assert "server.py: en production, les visiteurs ne sont servis qu’en HTTPS" in result.stderr
    assert "PRIVACY_FORWARDED_ALLOW_IPS" in result.stderr and "Traceback" not in result.stderr
