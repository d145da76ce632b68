from __future__ import annotations

from pathlib import Path

from privacy.consent.inventory import consent_inventory
from privacy.content import load_content
from tests.consent.conftest import ESSENTIAL, OPT_IN, consent_sites
from tests.factories import optional_cookies, write_content


def inventory_of(tmp_path: Path, site_id: str, **opt_in_overrides: object):
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
    added = [*items, {"name": "_pk_ses", "provider": "Matomo", "category": "audience_measurement",
                      "purpose": {"fr": "Visite", "en": "Visit"}, "duration": "1 day"}]
    assert inventory_of(tmp_path / "b", OPT_IN, items=reworded).revision == base
    assert inventory_of(tmp_path / "c", OPT_IN, items=added).revision != base
    assert inventory_of(tmp_path / "d", OPT_IN, consent_lifetime_months=13).revision != base


def test_the_lifetime_follows_the_content(tmp_path: Path) -> None:
    six = inventory_of(tmp_path / "a", OPT_IN)
    thirteen = inventory_of(tmp_path / "b", OPT_IN, consent_lifetime_months=13)
    assert thirteen.lifetime_seconds > six.lifetime_seconds
    assert thirteen.lifetime_seconds <= 13 * 31 * 86400
