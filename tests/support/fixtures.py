"""Pytest fixtures for browser tests and for PostgreSQL. Registered once, in tests/conftest.py:

    pytest_plugins = ["tests.support.fixtures"]

Browsers: scope is per MODULE, not session, on purpose: while a sync Playwright is
started, its event loop counts as running in the main thread, so
`asyncio.run()` anywhere in the same thread raises "cannot be called from a
running event loop", and a second sync_playwright() cannot start. A
session-wide browser would break every later non-browser test that uses
asyncio.run(); per module the browser is gone when the module ends.
(Starlette's TestClient is unaffected: its loop runs in another thread.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support.postgres import PostgresCluster, PostgresUnavailable, running_cluster
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


# --- PostgreSQL -----------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL cluster for the whole run (tests/support/postgres.py), started the first time a
    test asks for it: a fresh ``initdb`` in a temporary folder, listening on a free loopback port, fsync on,
    stopped and deleted at the end of the run. When it cannot start, every test that needs it fails with the
    reason (never a skip: a missing PostgreSQL is a broken test machine, not an optional extra).

    A test gets a database of its own with ``postgres_database`` (an empty one) or ``make_postgres_database``
    (several, or copies of a template). To pay for migrations once per run rather than once per test, build a
    template in a session fixture and copy it per test::

        @pytest.fixture(scope="session")
        def migrated_template(postgres_cluster):
            name = postgres_cluster.create_database()
            migrate(postgres_cluster.url(name))      # then close every connection to it:
            return name                              # CREATE DATABASE … TEMPLATE needs it idle

        @pytest.fixture
        def postgres_url(make_postgres_database, migrated_template):
            return make_postgres_database(template=migrated_template)

    ``postgres_cluster.url(name)`` is a ``postgresql://user:password@127.0.0.1:port/name`` URL, the form
    ``PRIVACY_DATABASE_URL`` takes; ``postgres_cluster.connect(name)`` an autocommit psycopg connection.
    """
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(running_cluster())
        except PostgresUnavailable as error:
            reason = str(error)
        else:
            yield cluster
            return
    pytest.fail(f"PostgreSQL test cluster: {reason}", pytrace=False)


@pytest.fixture
def make_postgres_database(postgres_cluster: PostgresCluster) -> Iterator[Callable[..., str]]:
    """``make_postgres_database(template="template0")`` → the URL of a new database of this test's own, a copy
    of ``template``; each is dropped after the test, connections still open to it included (about 0.1 s each)."""
    names: list[str] = []

    def factory(template: str = "template0") -> str:
        names.append(postgres_cluster.create_database(template))
        return postgres_cluster.url(names[-1])

    yield factory
    for name in names:
        postgres_cluster.drop_database(name)


@pytest.fixture
def postgres_database(make_postgres_database: Callable[..., str]) -> str:
    """The URL of a fresh, empty database, this test's own, dropped after it."""
    return make_postgres_database()
