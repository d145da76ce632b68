"""Every published page held to the standards of the web: valid HTML, no axe violation, nothing fetched from
another origin, and strict security headers.

The pages are the example content's notices (each site × language) served by the real app under uvicorn.
To hold another page to the same gates, add its path to EXTRA_PAGES: one line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from starlette.testclient import TestClient

from privacy.app import create_app
from privacy.content import load_content
from privacy.pipeline import build
from privacy.settings import load_settings
from tests.factories import EXAMPLE_CONTENT, REPO, settings_env
from tests.support.quality import (
    axe_check,
    collect_third_party_requests,
    format_axe_violations,
    format_vnu_errors,
    free_port,
    vnu_check,
)

# One line per page to add to the gates, e.g. a page embedding the widget.
EXTRA_PAGES: list[str] = [
    "/",
]


def notice_pages() -> list[str]:
    content = load_content(EXAMPLE_CONTENT)
    return [f"/{site.id}/{language}/" for site in content.sites for language in site.languages]


def rights_pages() -> list[str]:
    content = load_content(EXAMPLE_CONTENT)
    return [f"/rights/{site.id}/{language}/" for site in content.sites for language in site.languages]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("gates")
    result = build(EXAMPLE_CONTENT, tmp / "public")
    problems = "\n".join(p.render("en") for p in result.problems if p.severity == "error")
    assert result.ok, f"the example content does not build:\n{problems}"
    return settings_env(tmp, EXAMPLE_CONTENT, tmp / "public")


@pytest.fixture(scope="module")
def https_client(env: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(load_settings(env)), base_url="https://testserver") as client:
        yield client


@pytest.fixture(scope="module")
def pages(https_client: TestClient) -> list[str]:
    """The notices, EXTRA_PAGES, and the rights-request forms wherever that route answers."""
    found = notice_pages() + EXTRA_PAGES
    found += [path for path in rights_pages() if https_client.get(path).status_code == 200]
    return found


@pytest.fixture(scope="module")
def live(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server under uvicorn on a loopback port."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "server.py"), "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env={**os.environ, **env, "PRIVACY_PUBLIC_ORIGIN": ""},  # where it listens
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{log.read_text(errors='replace')}", pytrace=False)
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_gates_cover_every_notice(pages: list[str]) -> None:
    assert len(notice_pages()) >= 6 and set(notice_pages()) <= set(pages)


def test_every_page_is_valid_html(live: str, pages: list[str], tmp_path: Path) -> None:
    files = []
    for n, path in enumerate(pages):
        with urllib.request.urlopen(live + path, timeout=10) as response:
            file = tmp_path / f"page{n}.html"
            file.write_bytes(response.read())
            files.append(file)
    labels = {str(f): path for f, path in zip(files, pages, strict=False)}
    errors = vnu_check(files)  # one java run for all pages
    for error in errors:
        error["file"] = labels.get(error["file"], error["file"])
    assert errors == [], format_vnu_errors(errors)


def test_every_page_passes_axe_and_fetches_nothing_from_elsewhere(
    live: str, pages: list[str], browser: Browser
) -> None:
    context = browser.new_context()
    try:
        elsewhere = collect_third_party_requests(context, live)
        page = context.new_page()
        failures = []
        for path in pages:
            response = page.goto(live + path, wait_until="networkidle")
            assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
            violations = axe_check(page)
            if violations:
                failures.append(f"{path}: {format_axe_violations(violations)}")
        assert failures == [], "\n".join(failures)
        assert elsewhere == [], f"requests to another origin: {elsewhere}"
    finally:
        context.close()


def test_every_page_carries_the_security_headers(https_client: TestClient, pages: list[str]) -> None:
    for path in pages:
        headers = https_client.get(path).headers
        csp = headers.get("content-security-policy", "")
        assert "default-src" in csp and "'unsafe-inline'" not in csp and "frame-ancestors" in csp, (path, csp)
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("referrer-policy"), path
        assert headers.get("strict-transport-security", "").startswith("max-age="), path
