"""Lighthouse on pages as published: the example content built with a base URL and served by the real server on
loopback, in Debian's Chromium. A notice page, the sites' index, a notice's versions and what changed in one
score 100 for search engines (meta description, absolute canonical and hreflang links, crawlable links with
text, legible fonts, tap targets…), accessibility and best practices; a draft's page is kept out of search
engines, and that is all it loses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from privacy.app import create_app
from privacy.pipeline import build
from privacy.settings import load_settings
from tests.factories import EXAMPLE_CONTENT, settings_env
from tests.support.lighthouse import Report, lighthouse
from tests.support.quality import free_port

CATEGORIES = ("seo", "accessibility", "best-practices")
NOTICE = "ihu-imagerie/fr/"
DRAFT = "oiso-genomnis/fr/"  # status: draft
# The other pages a search engine may list: the sites' index, a notice's versions and what changed in one.
PUBLISHED = ("", "ihu-imagerie/en/versions/", "ihu-imagerie/en/versions/2026-12-01/changes/")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Report]]:
    root = tmp_path_factory.mktemp("lighthouse")
    port = free_port()  # known before the build: the base URL is the server's own origin
    origin = f"http://127.0.0.1:{port}"
    public = root / "public"
    assert build(EXAMPLE_CONTENT, public, base_url=f"{origin}/").ok
    settings = load_settings(
        settings_env(
            root, EXAMPLE_CONTENT, public, PRIVACY_SECRET_KEYS="lighthouse-" + "k" * 40, PRIVACY_PUBLIC_ORIGIN=origin
        )
    )
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="lighthouse test server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        found = lighthouse([f"{origin}/{page}" for page in (NOTICE, DRAFT, *PUBLISHED)], CATEGORIES)
        yield {url.removeprefix(f"{origin}/"): report for url, report in found.items()}
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("page", [NOTICE, *PUBLISHED])
def test_a_published_page_scores_100(reports: dict[str, Report], page: str, category: str) -> None:
    report = reports[page]
    assert report.scores[category] == 1, report.failures(category)


def test_a_draft_is_kept_out_of_search_engines_and_loses_nothing_else(reports: dict[str, Report]) -> None:
    report = reports[DRAFT]
    assert [audit.id for audit in report.failed] == ["is-crawlable"]  # its noindex, and only that
    assert report.scores["accessibility"] == report.scores["best-practices"] == 1
