"""The cookie inventory as the consent feature sees it: which optional
categories a site asks consent for, which cookies each holds, how long a
choice lasts, and a revision that changes whenever any of that changes, so a
person is asked again when the inventory is not the one they answered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from ..codes import N_, CookieCategory
from ..content import Site
from ..model import Cookie, CookieCategoryDeclaration, Label

CONSENT_COOKIE_PREFIX = "consent-"
# An average month, so that thirteen months stay under the CNIL's thirteen.
SECONDS_PER_MONTH = 2_629_746
CONSENT_COOKIE_PURPOSE = N_("Remembers your choice about optional cookies, so that you are not asked on every page.")
# On a site with nothing to choose, all it keeps is that the cookie notice was seen.
NOTICE_SEEN_PURPOSE = N_("Remembers that you have seen the cookie notice, so that it is not shown on every page.")

Mode = Literal["essential", "opt-in"]


@dataclass(frozen=True)
class CategoryInventory:
    category: CookieCategory
    cookies: tuple[Cookie, ...]


@dataclass(frozen=True)
class ConsentInventory:
    site_id: str
    publisher: Label
    strictly_necessary: tuple[Cookie, ...]
    optional: tuple[CategoryInventory, ...]
    lifetime_months: int
    revision: str

    @property
    def mode(self) -> Mode:
        return "opt-in" if self.optional else "essential"

    @cached_property
    def optional_categories(self) -> tuple[str, ...]:
        # Read on every consent request: computed once per inventory.
        return tuple(c.category.value for c in self.optional)

    @property
    def lifetime_seconds(self) -> int:
        return self.lifetime_months * SECONDS_PER_MONTH

    @property
    def cookie_name(self) -> str:
        return consent_cookie_name(self.site_id)


def consent_cookie_name(site_id: str) -> str:
    """One cookie per site, so that several sites served from one origin keep separate choices."""
    return f"{CONSENT_COOKIE_PREFIX}{site_id}"


def _revision(items: list[Cookie], lifetime_months: int, declared: list[CookieCategoryDeclaration]) -> str:
    # Only what a person consents to counts: wording fixes must not ask everyone again.
    facts = sorted((c.category.value, c.name or "", c.party.value, c.duration or "") for c in items)
    document: dict[str, object] = {"cookies": facts, "lifetime": lifetime_months}
    if declared:  # left out when empty, so that sites without declared categories keep their revision
        document["categories"] = sorted((c.id.value, c.provider.value, c.max_lifetime) for c in declared)
    canonical = json.dumps(document, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _consented(site: Site) -> tuple[list[Cookie], int, list[CookieCategoryDeclaration]]:
    """The cookies as they were at the last significant change of cookies among the published versions and the
    current content: a wording fix, a shorter lifetime or a cookie removed keeps everyone's consent."""
    from ..model import Cookies
    from ..versions import cookies_at_last_significant_change

    basis = cookies_at_last_significant_change(site.source.path.parent, site.notice)
    cookies = site.notice.cookies
    # An old version the format no longer reads leaves the current inventory to count.
    if basis is not None:
        with contextlib.suppress(ValueError):
            cookies = Cookies.model_validate(basis)
    return list(cookies.items), cookies.consent_lifetime_months, list(cookies.categories)


def consent_inventory(site: Site) -> ConsentInventory:
    cookies = site.notice.cookies
    # A category declared before its cookies are named is offered all the same: its scripts wait for consent.
    used = {c.category for c in cookies.items} | {c.id for c in cookies.categories}
    optional = tuple(
        CategoryInventory(category, tuple(c for c in cookies.items if c.category is category))
        for category in CookieCategory
        if category is not CookieCategory.strictly_necessary and category in used
    )
    return ConsentInventory(
        site_id=site.id,
        publisher=site.notice.publisher.name,
        strictly_necessary=tuple(c for c in cookies.items if c.category is CookieCategory.strictly_necessary),
        optional=optional,
        lifetime_months=cookies.consent_lifetime_months,
        revision=_revision(*_consented(site)),
    )


def consent_cookie_declaration(inventory: ConsentInventory, purpose: dict[str, str]) -> Cookie:
    """The product's own cookie, for the notice's cookie table (``purpose``: per language)."""
    return Cookie(
        name=inventory.cookie_name,
        provider=inventory.publisher,
        category=CookieCategory.strictly_necessary,
        purpose=purpose,
        duration=f"{inventory.lifetime_months} months",
    )
