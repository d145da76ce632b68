from __future__ import annotations

from pathlib import Path

from privacy.consent.inventory import ConsentInventory, consent_inventory
from privacy.content import load_content
from tests.consent.conftest import ESSENTIAL, OPT_IN, consent_sites
from tests.factories import optional_cookies, write_content


def inventory_of(tmp_path: Path, site_id: str, **opt_in_overrides: object) -> ConsentInventory:
    content = load_content(write_content(tmp_path, consent_sites(**opt_in_overrides)))
    assert not content.errors, content.errors
    site = content.site(site_id)
    assert site is not None
    return consent_inventory(site)


def test_only_necessary_cookies_means_essential_mode(tmp_path: Path) -> None:
    inventory = inventory_of(tmp_path, ESSENTIAL)
    assert inventory.mode == "essential"
    assert inventory.optional_categories == ()


def test_optional_categories_mean_opt_in(tmp_path: Path) -> None:
    inventory = inventory_of(tmp_path, OPT_IN)
    assert inventory.mode == "opt-in"
    assert inventory.optional_categories == ("audience_measurement",)
    assert [c.name for c in inventory.optional[0].cookies] == ["_pk_id"]
    assert [c.name for c in inventory.strictly_necessary] == ["session"]
    assert inventory.cookie_name == "consent-clinique"


def test_the_revision_changes_with_a_new_cookie_or_lifetime_only(tmp_path: Path) -> None:
    base = inventory_of(tmp_path / "a", OPT_IN).revision
    items = optional_cookies()["items"]
    reworded = [{**items[0], "purpose": {"fr": "Autre", "en": "Other"}}, items[1]]
    added = [
        *items,
        {
            "name": "_pk_ses",
            "provider": "Matomo",
            "category": "audience_measurement",
            "purpose": {"fr": "Visite", "en": "Visit"},
            "duration": "1 day",
        },
    ]
    assert inventory_of(tmp_path / "b", OPT_IN, items=reworded).revision == base
    assert inventory_of(tmp_path / "c", OPT_IN, items=added).revision != base
    assert inventory_of(tmp_path / "d", OPT_IN, consent_lifetime_months=13).revision != base


def test_the_lifetime_follows_the_content(tmp_path: Path) -> None:
    six = inventory_of(tmp_path / "a", OPT_IN)
    thirteen = inventory_of(tmp_path / "b", OPT_IN, consent_lifetime_months=13)
    assert thirteen.lifetime_seconds > six.lifetime_seconds
    assert thirteen.lifetime_seconds <= 13 * 31 * 86400


SOCIAL = {
    "id": "social_media",
    "purpose": {"fr": "Partager des pages", "en": "Sharing pages"},
    "provider": "third",
    "max_lifetime": "13 mois",
}


def test_a_category_declared_before_its_cookies_are_named_is_offered(tmp_path: Path) -> None:
    base = inventory_of(tmp_path / "a", OPT_IN).revision
    inventory = inventory_of(tmp_path / "b", OPT_IN, categories=[SOCIAL])
    assert inventory.optional_categories == ("audience_measurement", "social_media")
    assert inventory.optional[1].cookies == ()
    assert inventory.revision != base  # a new category asks everyone again


def test_what_the_page_says_of_cookies_is_what_the_source_says(tmp_path: Path) -> None:
    import html

    from privacy.pipeline import build
    from tests.factories import minimal_notice

    sites = {
        "silent": minimal_notice(),
        "necessary": minimal_notice(cookies={"only_strictly_necessary": True}),
        "declared": minimal_notice(cookies={"categories": [SOCIAL]}),
        "nowidget": minimal_notice(cookies={"only_strictly_necessary": True, "widget": False}),
    }
    out = tmp_path / "public"
    assert build(write_content(tmp_path / "content", sites), out).ok
    page = {site: html.unescape((out / site / "en" / "index.html").read_text(encoding="utf-8")) for site in sites}
    only = "This site sets only cookies that are strictly necessary"
    optional = "Cookies that are not strictly necessary are set only with your consent"
    assert only not in page["silent"] and optional not in page["silent"]  # not stated: nothing asserted
    assert only in page["necessary"] and optional not in page["necessary"]
    assert optional in page["declared"] and "Optional cookies, by category" in page["declared"]
    assert 'value="social_media"' in page["declared"] and "13 months" in page["declared"]
    # Our own consent cookie is listed when, and only when, the site uses the widget.
    assert "consent-necessary" in page["necessary"] and "consent-nowidget" not in page["nowidget"]
    assert (
        "data-consent-form" not in page["nowidget"] and not (out / "nowidget" / "en" / "consent-widget.html").exists()
    )
