"""What a web team builds on, in Debian's Chromium against the real server: the JavaScript API and its event,
single-page applications, placeholders of blocked embeds, the languages of the site, essential-only sites, and
focus (never lost, never stolen, never under the banner). Every state is held to axe and to a clean console."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from privacy.consent.receipt import verify
from tests.consent.conftest import ESSENTIAL, OPT_IN
from tests.consent.test_browser import Server, open_page, serving, tracker_runs
from tests.support.quality import (
    WCAG_TAGS,
    axe_check,
    collect_console_errors,
    collect_third_party_requests,
    format_axe_violations,
)

AXE_TAGS = (*WCAG_TAGS, "wcag22aa")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("consent-api"), PRIVACY_CONSENT_LIMITS="100000/600") as running:
        yield running


@pytest.fixture
def watched(page: Page, server: Server) -> Iterator[Page]:
    errors = collect_console_errors(page)
    elsewhere = collect_third_party_requests(page.context, server.url)
    yield page
    assert errors == []
    assert elsewhere == []


def assert_axe_clean(page: Page) -> None:
    violations = axe_check(page, AXE_TAGS)
    assert not violations, format_axe_violations(violations)


def events(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate("() => window.consentEvents"))


def banner(page: Page, name: str = "Cookies on this site") -> Locator:
    region = page.get_by_role("region", name=name)
    expect(region).to_be_visible()
    return region


# --- the API and its event -----------------------------------------------------------------------------


def test_the_api_answers_while_undecided_and_after_a_choice(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/api.html")
    region = banner(watched)
    watched.wait_for_function("() => window.consentEvents.length === 1")
    revision = watched.context.request.get(f"{server.url}/consent?site={OPT_IN}").json()["revision"]
    assert events(watched) == [
        {
            "action": "load",
            "choices": {"audience_measurement": False},
            "decided": False,
            "gpc": False,
            "revision": revision,
        }
    ]
    answers = watched.evaluate("""() => [PrivacyConsent.allowed('audience_measurement'),
        PrivacyConsent.allowed('strictly_necessary'), PrivacyConsent.allowed('advertising')]""")
    assert answers == [None, True, False]
    # A late subscriber gets the state at once, then every change.
    watched.evaluate("""() => { window.seen = [];
        window.stop = PrivacyConsent.on('change', d => window.seen.push(d.action)); }""")
    assert watched.evaluate("() => window.seen") == ["load"]
    region.get_by_role("button", name="Accept all").click()
    watched.wait_for_function("() => window.consentEvents.length === 2")
    last = events(watched)[-1]
    assert (last["action"], last["choices"], last["decided"]) == ("accept", {"audience_measurement": True}, True)
    assert watched.evaluate("() => window.seen") == ["load", "accept"]
    assert watched.evaluate("() => PrivacyConsent.allowed('audience_measurement')") is True
    assert watched.evaluate("() => PrivacyConsent.choices()") == {"audience_measurement": True}
    # What choices() returns is a copy: changing it changes nothing.
    watched.evaluate("() => { PrivacyConsent.choices().audience_measurement = false; window.stop(); }")
    assert watched.evaluate("() => PrivacyConsent.allowed('audience_measurement')") is True
    watched.reload()
    watched.wait_for_function("() => window.consentEvents.length === 1")
    assert events(watched)[0]["action"] == "load" and events(watched)[0]["decided"] is True


def test_open_from_code_shows_the_preferences_and_gives_focus_back(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/api.html")
    banner(watched).get_by_role("button", name="Reject all").click()
    expect(watched.get_by_role("region")).to_have_count(0)
    watched.locator("#before").focus()
    watched.evaluate("() => PrivacyConsent.open()")
    region = banner(watched)
    expect(region.get_by_role("checkbox", name="Audience measurement")).to_be_focused()
    assert_axe_clean(watched)
    watched.keyboard.press("Escape")
    expect(watched.get_by_role("region")).to_have_count(0)
    expect(watched.locator("#before")).to_be_focused()


# --- single-page applications ---------------------------------------------------------------------------


def test_elements_added_after_load_wait_then_run_once_allowed_without_any_call(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/spa.html")
    region = banner(watched)
    watched.evaluate("() => addEmbeds(1)")
    placeholder = watched.get_by_role("group", name="Video 1")
    expect(placeholder).to_be_visible()
    expect(placeholder).to_contain_text("Provided by Vidéo Exemple.")
    expect(placeholder).to_contain_text("It is not loaded until you allow the cookies of “Audience measurement”.")
    expect(placeholder).to_contain_text("_pk_id (Matomo, 13 months)")
    expect(watched.get_by_title("Video 1")).to_be_hidden()
    assert tracker_runs(watched) == 0
    assert_axe_clean(watched)
    # Consent given later activates what is already there...
    region.get_by_role("button", name="Accept all").click()
    watched.wait_for_function("() => window.trackerRuns === 1")
    expect(watched.get_by_title("Video 1")).to_have_attribute("src", "about:blank#video-1")
    expect(watched.get_by_role("group")).to_have_count(0)
    # ... and what comes after it runs at once.
    watched.evaluate("() => addEmbeds(2)")
    watched.wait_for_function("() => window.trackerRuns === 2")
    expect(watched.get_by_title("Video 2")).to_have_attribute("src", "about:blank#video-2")
    assert watched.locator("script[type='text/plain']").count() == 0


def test_a_placeholder_loads_its_content_once_or_allows_its_category(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/spa.html")
    banner(watched).get_by_role("button", name="Reject all").click()
    # The banner closes once the server has recorded the choice. Without waiting for it, the record read below
    # could still be the previous test's, and the answer could reach the placeholders in the middle of what follows.
    expect(watched.get_by_role("region")).to_have_count(0)
    watched.evaluate("() => { addEmbeds(1); addEmbeds(2); }")
    first = watched.get_by_role("group", name="Video 1")
    first.get_by_role("button", name="Load this content once").focus()
    watched.keyboard.press("Enter")
    video = watched.get_by_title("Video 1")
    expect(video).to_have_attribute("src", "about:blank#video-1")
    expect(video).to_be_focused()
    # Only that one: the other waits, and nothing was recorded.
    expect(watched.get_by_role("group", name="Video 2")).to_be_visible()
    assert server.records(OPT_IN)[-1].action == "reject"
    assert tracker_runs(watched) == 0
    assert_axe_clean(watched)
    watched.get_by_role("group", name="Video 2").get_by_role(
        "button", name="Always allow “Audience measurement”"
    ).click()
    expect(watched.get_by_title("Video 2")).to_have_attribute("src", "about:blank#video-2")
    expect(watched.get_by_title("Video 2")).to_be_focused()
    watched.wait_for_function("() => window.trackerRuns === 2")
    record = server.records(OPT_IN)[-1]
    assert (record.action, record.choices) == ("customize", {"audience_measurement": True})


def test_an_embed_applied_again_before_the_placeholder_code_arrives_gets_one_placeholder(
    watched: Page, server: Server
) -> None:
    # The page's own apply() and the widget's observer may both see an embed while the placeholder code is
    # still on its way: it is held once all the same (CI saw a second placeholder after a quick choice).
    open_page(watched, server, "/test/spa.html")
    banner(watched).get_by_role("button", name="Reject all").click()
    watched.evaluate("() => { addEmbeds(1); PrivacyConsent.apply(document); PrivacyConsent.apply(document); }")
    expect(watched.get_by_role("group", name="Video 1")).to_be_visible()
    expect(watched.get_by_role("button", name="Load this content once")).to_have_count(1)
    assert tracker_runs(watched) == 0


def test_the_placeholder_code_loads_only_where_a_placeholder_is_needed(page: Page, server: Server) -> None:
    parts: list[str] = []
    page.on("request", lambda r: parts.append(r.url) if "consent-embeds" in r.url else None)
    open_page(page, server, "/test/api.html")
    banner(page)
    page.wait_for_function("() => window.consentEvents.length === 1")
    assert parts == []
    open_page(page, server, "/test/spa.html")
    page.evaluate("() => { addEmbeds(1); addEmbeds(2); }")
    expect(page.get_by_role("group")).to_have_count(2)
    assert len(parts) == 1 and parts[0].startswith(server.url + "/assets/consent-embeds.")


# --- the languages of the site -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "title", "accept"),
    [
        ("/test/lang-fr-ca.html", "Les cookies de ce site", "Tout accepter"),
        ("/test/lang-en-us.html", "Cookies on this site", "Accept all"),
        # A language the site does not declare: its first language, never English by default.
        ("/test/lang-de.html", "Les cookies de ce site", "Tout accepter"),
    ],
)
def test_the_banner_speaks_the_page_language_the_site_declares(
    watched: Page, server: Server, path: str, title: str, accept: str
) -> None:
    open_page(watched, server, path)
    expect(banner(watched, title).get_by_role("button", name=accept)).to_be_visible()


# --- essential-only sites -------------------------------------------------------------------------------------


def fixed_elements(page: Page) -> list[str]:
    return list(
        page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => getComputedStyle(e).position === 'fixed').map(e => e.className)""")
    )


def test_an_essential_only_site_shows_no_overlay_but_a_line_at_the_end(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/essential-plain.html")
    line = watched.locator(".cw-f")
    expect(line).to_contain_text("Ce site n'utilise que des cookies strictement nécessaires")
    expect(line.get_by_role("link", name="En savoir plus sur les cookies")).to_have_attribute(
        "href", f"/{ESSENTIAL}/fr/#cookies"
    )
    expect(watched.get_by_role("region")).to_have_count(0)
    assert fixed_elements(watched) == []
    assert watched.evaluate("() => document.activeElement === document.body")
    # In the flow, after the page's own content: reached last.
    assert watched.evaluate("() => document.body.lastElementChild.className") == "cw-f"
    assert_axe_clean(watched)
    assert server.records(ESSENTIAL) == []  # nothing to consent to, nothing recorded


def test_an_essential_only_site_with_a_settings_link_adds_nothing_until_it_is_used(
    watched: Page, server: Server
) -> None:
    open_page(watched, server, "/test/essential-link.html")
    link = watched.get_by_role("link", name="Paramètres des cookies")
    watched.wait_for_function("() => window.PrivacyConsent && PrivacyConsent.allowed('strictly_necessary')")
    expect(watched.locator(".cw-f")).to_have_count(0)
    assert fixed_elements(watched) == []
    link.focus()
    watched.keyboard.press("Enter")
    region = banner(watched, "Les cookies de ce site")
    expect(region.get_by_role("heading")).to_be_focused()
    assert region.get_by_role("button").all_inner_texts() == ["OK"]
    assert_axe_clean(watched)
    region.get_by_role("button", name="OK").click()
    expect(watched.get_by_role("region")).to_have_count(0)
    expect(link).to_be_focused()


# --- focus -----------------------------------------------------------------------------------------------


def obscured(page: Page) -> bool:
    """Whether the focused element, outside the banner, lies even partly under it (WCAG 2.2, 2.4.11/2.4.12)."""
    return bool(
        page.evaluate("""() => {
            const box = document.querySelector('.cw'), e = document.activeElement;
            if (!box || !e || box.contains(e) || e === document.body) return false;
            const b = box.getBoundingClientRect(), r = e.getBoundingClientRect();
            return r.bottom > b.top && r.top < b.bottom && r.right > b.left && r.left < b.right;
        }""")
    )


@pytest.mark.parametrize("layer", ["first", "customize"])
def test_nothing_the_banner_covers_ever_has_focus(watched: Page, server: Server, layer: str) -> None:
    watched.set_viewport_size({"width": 800, "height": 600})
    open_page(watched, server, "/test/long.html")
    region = banner(watched)
    if layer == "customize":
        region.get_by_role("button", name="Customize").click()
    assert_axe_clean(watched)
    seen = set()
    for _ in range(50):
        watched.keyboard.press("Tab")
        seen.add(watched.evaluate("() => document.activeElement.textContent"))
        assert not obscured(watched), watched.evaluate("() => document.activeElement.outerHTML")
    assert "Link 39" in seen  # the page's very end was reached, above the banner


def test_after_the_first_choice_focus_returns_where_it_was_and_is_never_stolen(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/api.html")
    region = banner(watched)
    # The banner is shown, never focused: the page keeps its focus.
    assert watched.evaluate("() => !document.activeElement.closest('.cw')")
    watched.locator("#before").focus()
    watched.keyboard.press("Shift+Tab")  # from the page's first link back into the banner, first in tab order
    expect(region.get_by_role("button", name="Customize")).to_be_focused()
    watched.keyboard.press("Shift+Tab")
    expect(region.get_by_role("button", name="Reject all")).to_be_focused()
    watched.keyboard.press("Enter")
    expect(watched.get_by_role("region")).to_have_count(0)
    expect(watched.locator("#before")).to_be_focused()
    # Later changes to the page (a single-page app) never move it.
    watched.evaluate("() => document.querySelector('main').append(document.createElement('p'))")
    expect(watched.locator("#before")).to_be_focused()


# --- the receipt ---------------------------------------------------------------------------------------------


def test_after_a_choice_the_preferences_offer_the_signed_receipt(watched: Page, server: Server) -> None:
    open_page(watched, server, "/test/api.html")
    banner(watched).get_by_role("button", name="Accept all").click()
    expect(watched.get_by_role("region")).to_have_count(0)
    watched.evaluate("() => PrivacyConsent.open()")
    region = banner(watched)
    expect(region).to_contain_text("Your consent receipt:")
    assert_axe_clean(watched)
    with watched.expect_download() as text_download:
        region.get_by_role("link", name="download as text").click()
    text = Path(text_download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("Consent receipt") and "- Audience measurement: consent given" in text
    with watched.expect_download() as json_download:
        region.get_by_role("link", name="download as JSON").click()
    receipt = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert verify(receipt, server.settings.secret_keys)
    assert receipt["record"]["pii_principal_id"] == server.records(OPT_IN)[-1].consent_id


def test_the_page_confirming_a_choice_made_without_javascript_is_accessible(watched: Page, server: Server) -> None:
    # The same page a form post leads to (tests/consent/test_browser.py follows one with JavaScript off).
    watched.context.request.post(
        f"{server.url}/consent",
        form={"site": OPT_IN, "lang": "en", "action": "reject", "return": "/test/api.html"},
        headers={"Origin": server.url},
        max_redirects=0,
    )
    open_page(watched, server, f"/consent/recorded?site={OPT_IN}&lang=en&return=/test/api.html")
    expect(watched.get_by_role("heading", level=1)).to_have_text("Your choice has been recorded")
    expect(watched.get_by_role("listitem")).to_have_text(["Audience measurement: consent refused"])
    assert_axe_clean(watched)
    watched.get_by_role("link", name="Back to the page you were on").click()
    watched.wait_for_url(f"{server.url}/test/api.html")
