"""Pytest fixtures for browser tests. Register once, in tests/conftest.py:

    pytest_plugins = ["tests.support.fixtures"]

Scope is per MODULE, not session, on purpose: while a sync Playwright is
started, its event loop counts as running in the main thread, so
`asyncio.run()` anywhere in the same thread raises "cannot be called from a
running event loop", and a second sync_playwright() cannot start. A
session-wide browser would break every later non-browser test that uses
asyncio.run(); per module the browser is gone when the module ends.
(Starlette's TestClient is unaffected: its loop runs in another thread.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support.quality import launch_chromium


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (no cookies/storage shared between tests)."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
