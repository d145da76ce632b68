"""The quality tools themselves: each must find what it is there to find (a
gate that cannot fail proves nothing), and stay quiet on clean input."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright

from tests.support import quality
from tests.support.quality import (
    axe_check,
    collect_console_errors,
    collect_third_party_requests,
    format_axe_violations,
    format_vnu_errors,
    free_port,
    origin_of,
    serve_directory,
    vnu_check,
)

# Also named in tests/conftest.py; listing it here too lets this file run on
# its own. pytest registers a plugin module once, so this is no duplicate.
pytest_plugins = ["tests.support.fixtures"]

VALID = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Valid</title></head>
<body><main><h1>Valid</h1><p>Fine.</p></main></body></html>
"""
INVALID = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"></head>
<body><p><div></p></body></html>
"""
CSP = {"Content-Security-Policy": "script-src 'self'"}
# The icon link stops Chromium's automatic /favicon.ico request, whose 404
# would otherwise be logged as a console error.
CLEAN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clean</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Clean</h1><p style="color:#222;background:#fff">Readable text.</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="A dot"></main></body></html>
"""
BAD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bad</title></head>
<body><main><h1>Bad</h1><p style="color:#ccc;background:#fff">Pale text.</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>
"""


# --- Nu HTML Checker -------------------------------------------------------


def test_vnu_flags_invalid_and_passes_valid_in_one_batch(tmp_path: Path) -> None:
    valid_file = tmp_path / "valid.html"
    valid_file.write_text(VALID, encoding="utf-8")
    errors = vnu_check([valid_file, INVALID])  # a path and a string, one JVM
    messages = " | ".join(e["message"] for e in errors)
    assert {e["file"] for e in errors} == {"<html #1>"}, format_vnu_errors(errors)
    assert "title" in messages and "“p”" in messages, messages
    assert all(isinstance(e["line"], int) for e in errors)


def test_vnu_valid_string_has_no_errors() -> None:
    errors = vnu_check(VALID)
    assert errors == [], format_vnu_errors(errors)


def test_vnu_fails_on_missing_file(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="no such file"):
        vnu_check(tmp_path / "absent.html")


# --- axe-core under a strict CSP -------------------------------------------


def test_axe_finds_violations_under_csp(tmp_path: Path, page: Page) -> None:
    (tmp_path / "bad.html").write_text(BAD_PAGE, encoding="utf-8")
    with serve_directory(tmp_path, extra_headers=CSP) as base:
        page.goto(f"{base}/bad.html")
        violations = axe_check(page)
    ids = {v["id"] for v in violations}
    assert {"image-alt", "color-contrast"} <= ids, format_axe_violations(violations)
    assert "image-alt" in format_axe_violations(violations)


def test_axe_clean_page_passes_and_csp_stays_enforced(tmp_path: Path, page: Page) -> None:
    (tmp_path / "clean.html").write_text(CLEAN_PAGE, encoding="utf-8")
    (tmp_path / "inline.html").write_text(CLEAN_PAGE.replace("</main>", "</main><script>1</script>"), "utf-8")
    errors = collect_console_errors(page)
    with serve_directory(tmp_path, extra_headers=CSP) as base:
        page.goto(f"{base}/clean.html")
        violations = axe_check(page)
        assert violations == [], format_axe_violations(violations)
        # Injecting axe caused no CSP report: the page's policy was left alone...
        assert errors == []
        # ...and is really in force: an inline script is blocked and reported.
        page.goto(f"{base}/inline.html")
        page.wait_for_load_state("load")
    assert any("Content Security Policy" in e for e in errors), errors


# --- browser and watchers --------------------------------------------------


def test_third_party_request_is_observed(tmp_path: Path, page: Page) -> None:
    # Another loopback origin (127.0.0.2, nothing listening): the request
    # fails, but it must still be seen. Never a public address.
    foreign = f"http://127.0.0.2:{free_port()}/x.png"
    (tmp_path / "leak.html").write_text(
        CLEAN_PAGE.replace("</main>", f'<img src="{foreign}" alt="x"><img src="same.png" alt="y"></main>'), "utf-8"
    )
    with serve_directory(tmp_path) as base:
        leaks = collect_third_party_requests(page, base)
        page.goto(f"{base}/leak.html")
        page.wait_for_load_state("load")
    assert leaks == [foreign]  # same-origin same.png and the data: image not flagged


def test_launch_chromium_fails_clearly_when_missing(
    monkeypatch: pytest.MonkeyPatch, playwright_instance: Playwright
) -> None:
    monkeypatch.setattr(quality, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.fail.Exception, match=r"\.ci/run"):
        quality.launch_chromium(playwright_instance)


def test_origin_of_normalises_default_ports() -> None:
    assert origin_of("http://127.0.0.1/a") == origin_of("http://127.0.0.1:80/b")
    assert origin_of("http://127.0.0.1:8000/") != origin_of("http://127.0.0.2:8000/")
    assert origin_of("https://example.test/") == "https://example.test:443"


def test_serve_directory_sends_extra_headers(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    with (
        serve_directory(tmp_path, extra_headers=CSP) as base,
        urllib.request.urlopen(f"{base}/a.txt", timeout=10) as resp,
    ):
        assert resp.read() == b"hello"
        assert resp.headers["Content-Security-Policy"] == "script-src 'self'"
