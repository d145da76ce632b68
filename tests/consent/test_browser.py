"""The widget in Debian's Chromium against the real server on loopback: both modes, every choice,
gating, GPC, JavaScript off, asking again, too many choices, the strict CSP, axe and the keyboard.

Every test also holds the page to "no error in the console": a CSP violation is reported there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from privacy.app import CONTENT_SECURITY_POLICY, create_app
from privacy.consent import log
from privacy.consent.cookie import ConsentChoice, ConsentCookie
from privacy.consent.inventory import SECONDS_PER_MONTH
from privacy.pipeline import build
from privacy.settings import Settings, load_settings
from privacy.sqlite.consent_log import SqliteConsentLog
from privacy.sqlite.database import connect
from tests.consent.conftest import ESSENTIAL, OPT_IN, consent_sites
from tests.consent.pages import organization_pages
from tests.factories import settings_env, write_content
from tests.support.quality import (
    axe_check,
    collect_console_errors,
    collect_third_party_requests,
    format_axe_violations,
    free_port,
)

KEY = "browser-key-" + "k" * 40
TRACKER = "window.trackerRuns = (window.trackerRuns || 0) + 1;\ndocument.cookie = '_pk_id.1.abcd=visitor; path=/; max-age=3600';\n"
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100"
    "05fe02fea7d6a4a00000000049454e44ae426082"
)


def site_page(lang: str, site: str, script: str, stylesheet: str, title: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/{stylesheet}">
<script src="/{script}" data-site="{site}" defer></script>
<script type="text/plain" data-consent="audience_measurement" data-src="/test/tracker.js"></script>
</head>
<body>
<main>
<h1>{title}</h1>
<p>Some content of the organization's own website.</p>
<img data-consent="audience_measurement" data-src="/test/pixel.png" alt="" width="1" height="1">
<!-- A real page would frame another site; this server forbids framing its own pages. -->
<iframe data-consent="audience_measurement" data-src="about:blank#statistics" title="Statistics"></iframe>
</main>
</body>
</html>
"""


@dataclass
class Server:
    url: str
    settings: Settings

    def records(self, site: str) -> list[log.ConsentRecord]:
        db = connect(self.settings.consent_log)
        try:
            return list(SqliteConsentLog(db).records(site))
        finally:
            db.close()


@contextmanager
def serving(root: Path, sites: dict[str, dict[str, Any]] | None = None, **env: str) -> Iterator[Server]:
    """The built test sites (``sites``, else consent_sites()) under uvicorn on a loopback port, for as long as the
    context lasts."""
    content = write_content(root / "content", sites or consent_sites())
    public = root / "public"
    assert build(content, public).ok
    script = next((public / "assets").glob("consent.*.js")).relative_to(public).as_posix()
    stylesheet = next((public / "assets").glob("consent.*.css")).relative_to(public).as_posix()
    test = public / "test"
    test.mkdir()
    (test / "optin.html").write_text(site_page("en", OPT_IN, script, stylesheet, "Clinic home"), encoding="utf-8")
    (test / "essential.html").write_text(
        site_page("fr", ESSENTIAL, script, stylesheet, "Accueil IHU"), encoding="utf-8"
    )
    for name, text in organization_pages("assets/consent.js", "assets/consent.css").items():
        (test / name).write_text(text, encoding="utf-8")
    (test / "tracker.js").write_text(TRACKER, encoding="utf-8")
    (test / "pixel.png").write_bytes(PIXEL)
    port = free_port()  # known before the start: it is the server's public origin
    settings = load_settings(
        settings_env(
            root, content, public, PRIVACY_SECRET_KEYS=KEY, PRIVACY_PUBLIC_ORIGIN=f"http://127.0.0.1:{port}", **env
        )
    )
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, name="consent test server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", settings)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # Every test's choices come from 127.0.0.1: the limit is the subject of its own tests, not of these.
    with serving(tmp_path_factory.mktemp("consent-browser"), PRIVACY_CONSENT_LIMITS="100000/600") as running:
        yield running


@pytest.fixture
def watched(page: Page, server: Server) -> Iterator[Page]:
    """The page, failing the test on any console error (CSP violations included) or third-party request."""
    errors = collect_console_errors(page)
    elsewhere = collect_third_party_requests(page.context, server.url)
    yield page
    assert errors == []
    assert elsewhere == []


def open_page(page: Page, server: Server, path: str) -> None:
    response = page.goto(server.url + path)
    assert response is not None and response.ok
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def assert_axe_clean(page: Page) -> None:
    violations = axe_check(page)
    assert not violations, format_axe_violations(violations)


def tracker_runs(page: Page) -> int:
    return int(page.evaluate("() => window.trackerRuns || 0"))


def consent_cookie(context: BrowserContext, site: str = OPT_IN) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == f"consent-{site}"), None)


# --- essential-only mode -----------------------------------------------------------------------------


def test_essential_mode_asks_nothing_and_covers_nothing(watched: Page, server: Server) -> None:
    # Strictly necessary cookies need no consent: no banner, only a line at the end of the page
    # (tests/consent/test_browser_api.py holds it to the rest).
    page = watched
    open_page(page, server, "/test/essential.html")
    line = page.locator(".cw-f")
    expect(line).to_contain_text("Ce site n'utilise que des cookies strictement nécessaires")
    expect(line.get_by_role("link", name="En savoir plus sur les cookies")).to_have_attribute(
        "href", "/ihu/fr/#cookies"
    )
    expect(page.get_by_role("region")).to_have_count(0)
    assert line.get_by_role("button").count() == 0
    assert_axe_clean(page)


# --- opt-in mode -----------------------------------------------------------------------------------------


def first_layer(page: Page, server: Server) -> Locator:
    open_page(page, server, "/test/optin.html")
    region = page.get_by_role("region", name="Cookies on this site")
    expect(region).to_be_visible()
    return region


def test_nothing_optional_runs_before_a_choice_and_refusing_weighs_as_much_as_accepting(
    watched: Page, server: Server
) -> None:
    region = first_layer(watched, server)
    assert region.get_by_role("button").all_inner_texts() == ["Accept all", "Reject all", "Customize"]
    boxes = [region.get_by_role("button", name=n).bounding_box() for n in ("Accept all", "Reject all")]
    sizes = {round(box["height"]) if box else None for box in boxes}
    assert None not in sizes, "both buttons are laid out"
    assert len(sizes) == 1
    styles = watched.evaluate("""() => [...document.querySelectorAll('.cw button')].map(b => {
        const s = getComputedStyle(b); return s.backgroundColor + s.color + s.fontSize + s.fontWeight; })""")
    assert len(set(styles)) == 1, "accepting and refusing must look alike"
    assert tracker_runs(watched) == 0
    assert watched.locator("img[data-src]").count() == 1 and watched.locator("iframe[data-src]").count() == 1
    assert_axe_clean(watched)


def test_accepting_runs_the_marked_scripts_and_loads_frames_and_images(watched: Page, server: Server) -> None:
    region = first_layer(watched, server)
    region.get_by_role("button", name="Accept all").click()
    expect(region).to_have_count(0)
    watched.wait_for_function("() => window.trackerRuns === 1")
    expect(watched.locator("img[alt='']")).to_have_attribute("src", "/test/pixel.png")
    expect(watched.get_by_title("Statistics")).to_have_attribute("src", "about:blank#statistics")
    watched.reload()
    watched.wait_for_function("() => window.trackerRuns === 1")
    expect(watched.get_by_role("region")).to_have_count(0)
    assert server.records(OPT_IN)[-1].action == "accept"


def test_rejecting_never_runs_them(watched: Page, server: Server) -> None:
    region = first_layer(watched, server)
    region.get_by_role("button", name="Reject all").click()
    expect(region).to_have_count(0)
    watched.reload()
    expect(watched.get_by_role("button", name="Cookie settings")).to_be_visible()
    expect(watched.get_by_role("region")).to_have_count(0)
    assert tracker_runs(watched) == 0
    assert watched.locator("img[data-src]").count() == 1
    record = server.records(OPT_IN)[-1]
    assert (record.action, record.choices) == ("reject", {"audience_measurement": False})


def test_customizing_lists_each_category_with_its_purpose_and_cookies(watched: Page, server: Server) -> None:
    region = first_layer(watched, server)
    region.get_by_role("button", name="Customize").click()
    necessary = region.get_by_role("checkbox", name="Strictly necessary (Always on)")
    expect(necessary).to_be_checked()
    expect(necessary).to_be_disabled()
    audience = region.get_by_role("checkbox", name="Audience measurement")
    expect(audience).not_to_be_checked()
    expect(audience).to_be_focused()
    expect(region).to_contain_text("Count visits and measure how the site is used.")
    expect(region).to_contain_text("_pk_id (Matomo, 13 months)")
    assert_axe_clean(watched)
    audience.check()
    region.get_by_role("button", name="Save my choices").click()
    watched.wait_for_function("() => window.trackerRuns === 1")
    record = server.records(OPT_IN)[-1]
    assert (record.action, record.choices) == ("customize", {"audience_measurement": True})


def test_withdrawing_removes_the_category_cookies_and_stops_the_scripts(watched: Page, server: Server) -> None:
    region = first_layer(watched, server)
    region.get_by_role("button", name="Accept all").click()
    watched.wait_for_function("() => window.trackerRuns === 1")
    assert "_pk_id.1.abcd=visitor" in watched.evaluate("() => document.cookie")
    watched.get_by_role("button", name="Cookie settings").click()
    reopened = watched.get_by_role("region", name="Cookies on this site")
    audience = reopened.get_by_role("checkbox", name="Audience measurement")
    expect(audience).to_be_checked()
    audience.uncheck()
    with watched.expect_navigation():
        reopened.get_by_role("button", name="Save my choices").click()
    expect(watched.get_by_role("button", name="Cookie settings")).to_be_visible()
    assert "_pk_id" not in watched.evaluate("() => document.cookie")
    assert tracker_runs(watched) == 0
    assert [r.action for r in server.records(OPT_IN)][-2:] == ["accept", "withdraw"]


# --- Global Privacy Control ---------------------------------------------------------------------------


def test_global_privacy_control_counts_as_refusal_and_the_widget_says_so(browser: Browser, server: Server) -> None:
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
    page = context.new_page()
    errors = collect_console_errors(page)
    try:
        assert page.evaluate("() => navigator.globalPrivacyControl") is True
        region = first_layer(page, server)
        expect(region).to_contain_text("Your browser sends a Global Privacy Control signal")
        assert region.get_by_role("button").all_inner_texts() == ["OK", "Customize"]
        assert tracker_runs(page) == 0
        assert_axe_clean(page)
        region.get_by_role("button", name="OK").click()
        expect(region).to_have_count(0)
        page.reload()
        assert tracker_runs(page) == 0
        record = server.records(OPT_IN)[-1]
        assert (record.action, record.choices, record.gpc) == ("reject", {"audience_measurement": False}, True)
        assert errors == []
    finally:
        context.close()


def test_the_script_alone_reports_global_privacy_control(browser: Browser, server: Server) -> None:
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
    page = context.new_page()
    try:
        region = first_layer(page, server)
        expect(region).to_contain_text("Global Privacy Control")
        region.get_by_role("button", name="OK").click()
        expect(region).to_have_count(0)
        assert server.records(OPT_IN)[-1].gpc is True
    finally:
        context.close()


# --- JavaScript off -----------------------------------------------------------------------------------


def test_with_javascript_off_the_notice_form_records_the_choice_and_confirms_it(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        open_page(page, server, f"/{OPT_IN}/fr/")
        form = page.locator("form[data-consent-form]")
        form.get_by_role("checkbox", name="Mesure d'audience").check()
        with page.expect_navigation():
            form.get_by_role("button", name="Enregistrer mes choix").click()
        # A page confirms the recorded choice, with a link back.
        assert page.url.startswith(f"{server.url}/consent/recorded?")
        expect(page.get_by_role("heading", level=1)).to_have_text("Votre choix a été enregistré")
        expect(page.get_by_role("listitem")).to_have_text(["Mesure d'audience\u00a0: consentement donné"])
        with page.expect_navigation():
            page.get_by_role("link", name="Revenir à la page où vous étiez").click()
        assert page.url == f"{server.url}/{OPT_IN}/fr/#cookie-settings"
        state = context.request.get(f"{server.url}/consent?site={OPT_IN}").json()
        assert state["decided"] is True and state["choices"] == {"audience_measurement": True}
        record = server.records(OPT_IN)[-1]
        assert (record.action, record.channel, record.language) == ("customize", "form", "fr")
        open_page(page, server, "/test/optin.html")
        # Silence means refusal: the marked script stays inert text.
        assert page.locator("script[type='text/plain'][data-consent]").count() == 1
        assert page.locator("img[data-src]").count() == 1
    finally:
        context.close()


# --- asking again ---------------------------------------------------------------------------------------


def revision(page: Page, server: Server) -> str:
    return str(page.context.request.get(f"{server.url}/consent?site={OPT_IN}").json()["revision"])


@pytest.mark.parametrize("case", ["new revision", "expired", "tampered"])
def test_the_banner_asks_again(watched: Page, server: Server, case: str) -> None:
    now = int(time.time())
    current = revision(watched, server)
    choice = {
        "new revision": ConsentChoice("id", now - 60, "0" * 16, {"audience_measurement": True}),
        "expired": ConsentChoice("id", now - 6 * SECONDS_PER_MONTH - 3600, current, {"audience_measurement": True}),
        "tampered": ConsentChoice("id", now - 60, current, {"audience_measurement": True}),
    }[case]
    value = ConsentCookie((KEY,)).dumps(choice, OPT_IN)
    if case == "tampered":
        # The payload's first character: all six of its bits count. (The signature's last base64 character
        # has two padding bits, so swapping A for B there left the same signature: a flaky test.)
        value = ("A" if value[0] != "A" else "B") + value[1:]
    watched.context.add_cookies([{"name": f"consent-{OPT_IN}", "value": value, "url": server.url}])
    region = first_layer(watched, server)
    expect(region.get_by_role("button", name="Accept all")).to_be_visible()
    assert tracker_runs(watched) == 0


def test_a_valid_choice_is_not_asked_again(watched: Page, server: Server) -> None:
    choice = ConsentChoice("id", int(time.time()) - 60, revision(watched, server), {"audience_measurement": True})
    watched.context.add_cookies(
        [{"name": f"consent-{OPT_IN}", "value": ConsentCookie((KEY,)).dumps(choice, OPT_IN), "url": server.url}]
    )
    open_page(watched, server, "/test/optin.html")
    watched.wait_for_function("() => window.trackerRuns === 1")
    expect(watched.get_by_role("region")).to_have_count(0)


# --- keyboard and the notice page itself -----------------------------------------------------------------


def tab_to(page: Page, text: str) -> None:
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.textContent") == text:
            break
    expect(page.locator(":focus")).to_have_text(text)


def test_keyboard_alone(watched: Page, server: Server) -> None:
    first_layer(watched, server)
    tab_to(watched, "Reject all")
    assert watched.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
    watched.keyboard.press("Enter")
    expect(watched.get_by_role("region")).to_have_count(0)
    # Focus goes on from where the banner was; "Cookie settings" is the page's last control.
    tab_to(watched, "Cookie settings")
    watched.keyboard.press("Enter")
    expect(watched.locator(":focus")).to_have_accessible_name("Audience measurement")
    watched.keyboard.press("Space")
    watched.keyboard.press("Tab")
    expect(watched.locator(":focus")).to_have_text("Save my choices")
    watched.keyboard.press("Enter")
    watched.wait_for_function("() => window.trackerRuns === 1")
    expect(watched.locator(":focus")).to_have_text("Cookie settings")
    assert server.records(OPT_IN)[-1].choices == {"audience_measurement": True}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_notice_page_embeds_the_widget_cleanly(watched: Page, server: Server, lang: str) -> None:
    open_page(watched, server, f"/{OPT_IN}/{lang}/")
    expect(watched.locator(".cw")).to_be_visible()
    assert_axe_clean(watched)
    watched.locator(".cw").get_by_role("button").first.click()
    expect(watched.locator(".cw")).to_have_count(0)
    # The no-JavaScript form shows the choice just made.
    expect(watched.locator("form[data-consent-form] input[name=category]")).to_be_checked()


# --- too many choices from one address ----------------------------------------------------------------------


def test_a_refused_choice_keeps_the_banner_says_why_and_waits_before_posting_again(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with serving(tmp_path_factory.mktemp("consent-limited"), PRIVACY_CONSENT_LIMITS="1/600") as limited:
        context = browser.new_context()
        page = context.new_page()
        errors = collect_console_errors(page)
        posts: list[int] = []
        page.on("response", lambda r: posts.append(r.status) if r.request.method == "POST" else None)
        try:
            first_layer(page, limited).get_by_role("button", name="Reject all").click()
            expect(page.get_by_role("status")).to_have_text("Your choice has been saved.")
            context.clear_cookies()  # a fresh visitor, from the same address
            region = first_layer(page, limited)
            for _ in range(3):
                region.get_by_role("button", name="Accept all").click()
            message = "Too many choices were sent from your connection: nothing was changed. Please try again in a few minutes."
            expect(region.locator(".cw-e")).to_have_text(message)
            expect(page.get_by_role("status")).to_have_text(message)
            expect(region.get_by_role("button", name="Accept all")).to_be_enabled()
            # The page stays usable, nothing optional runs, and the refused post was the only one.
            expect(page.get_by_role("heading", name="Clinic home")).to_be_visible()
            region.get_by_role("link", name="More about cookies").focus()
            assert tracker_runs(page) == 0 and consent_cookie(context) is None
            assert posts == [200, 429]
            assert_axe_clean(page)
            # Chromium reports the refused fetch itself, once for three clicks; the widget adds nothing.
            assert len(errors) == 1 and "status of 429 (Too Many Requests)" in errors[0]
            assert len(limited.records(OPT_IN)) == 1
        finally:
            context.close()
