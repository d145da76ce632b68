"""Google Consent Mode v2 in Debian's Chromium, with a stand-in for the Google tag (no network): every signal is
denied before any tag runs, then follows the categories the site maps to it; a site that maps nothing has nothing
of Google touched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from privacy.pipeline import build
from tests.consent.conftest import OPT_IN, consent_sites
from tests.consent.pages import CONSENT_MODE
from tests.consent.test_browser import Server, open_page, serving
from tests.factories import minimal_notice, optional_cookies, write_content
from tests.support.quality import collect_console_errors, collect_third_party_requests

DENIED = {
    "ad_storage": "denied",
    "analytics_storage": "denied",
    "ad_user_data": "denied",
    "ad_personalization": "denied",
}


def sites() -> dict[str, dict[str, Any]]:
    mapped = {**optional_cookies(), "google_consent_mode": {"analytics_storage": ["audience_measurement"]}}
    return {**consent_sites(), CONSENT_MODE: minimal_notice(cookies=mapped)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("consent-mode")
    with serving(root, sites(), PRIVACY_CONSENT_LIMITS="100000/600") as running:
        yield running


@pytest.fixture
def watched(page: Page, server: Server) -> Iterator[Page]:
    errors = collect_console_errors(page)
    elsewhere = collect_third_party_requests(page.context, server.url)
    yield page
    assert errors == [] and elsewhere == []


def test_every_signal_is_denied_before_any_tag_runs_then_follows_the_choice(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/consent-mode.html")
    region = watched.get_by_role("region", name="Cookies on this site")
    expect(region).to_be_visible()
    at_first_tag = json.loads(watched.evaluate("() => window.consentAtFirstTag"))
    assert at_first_tag[0] == ["consent", "default", {**DENIED, "wait_for_update": 500}]
    watched.wait_for_function("() => window.consentEvents.length === 1")
    assert watched.evaluate("() => window.consentEvents[0].consentMode") == {"analytics_storage": "denied"}
    assert watched.evaluate("() => gtagConsent()") == DENIED
    region.get_by_role("button", name="Accept all").click()
    watched.wait_for_function("() => window.consentEvents.length === 2")
    # Only the mapped signal is granted: advertising is not a category of this site.
    assert watched.evaluate("() => gtagConsent()") == {**DENIED, "analytics_storage": "granted"}
    watched.reload()
    watched.wait_for_function("() => window.consentEvents && window.consentEvents.length === 1")
    assert watched.evaluate("() => gtagConsent()") == {**DENIED, "analytics_storage": "granted"}


def test_without_the_mapping_nothing_of_google_is_touched(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/api.html")
    expect(watched.get_by_role("region", name="Cookies on this site")).to_be_visible()
    watched.wait_for_function("() => window.consentEvents.length === 1")
    assert watched.evaluate("() => [typeof window.dataLayer, typeof window.gtag]") == ["undefined", "undefined"]
    assert "consentMode" not in watched.evaluate("() => window.consentEvents[0]")
    assert OPT_IN in watched.url or "api" in watched.url


def test_the_embed_page_asks_for_the_consent_mode_line_only_where_it_is_mapped(tmp_path: Path) -> None:
    public = tmp_path / "public"
    assert build(write_content(tmp_path / "content", sites()), public).ok
    mapped = (public / CONSENT_MODE / "en" / "consent-widget.html").read_text(encoding="utf-8")
    plain = (public / OPT_IN / "en" / "consent-widget.html").read_text(encoding="utf-8")
    assert "&lt;script src=&#34;/assets/consent-mode.js&#34;&gt;&lt;/script&gt;\n&lt;link" in mapped
    assert "consent-mode" not in plain


def test_a_signal_mapped_to_a_category_the_site_does_not_offer_is_refused(tmp_path: Path) -> None:
    wrong = {**optional_cookies(), "google_consent_mode": {"ad_storage": ["advertising"]}}
    result = build(write_content(tmp_path / "content", {"site": minimal_notice(cookies=wrong)}), tmp_path / "out")
    assert not result.ok
    said = [p.render("en") for p in result.problems]
    assert any(
        " cookies: " in line and "google_consent_mode" in line and "“advertising” is not one" in line for line in said
    ), said
