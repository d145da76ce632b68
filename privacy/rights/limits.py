"""The rights form's rate limits: posts per client address, requests per mailbox.

The per-mailbox limit is what stops the form from being used to flood someone with acknowledgments, so it
counts mailboxes, not spellings of an address, and only requests actually accepted (an invalid post or a
double submission sends no mail). Counters are kept by ``privacy.rate_limits``, in the requests database.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..rate_limits import Counter, Limit, RateLimits, Verdict, client_key

# Providers that deliver every dotted spelling of a local part to one mailbox: Gmail ignores dots, and
# googlemail.com is the same service. Elsewhere a dot is part of the name (jean.dupont@ and jeandupont@ may
# be two people), so dots are only dropped here.
DOTS_IGNORED = frozenset({"gmail.com", "googlemail.com"})


def mailbox(email: str) -> str:
    """The mailbox an address delivers to, as far as the limit can tell.

    Case is ignored (providers deliver Ana@ and ana@ alike). Sub-addressing is ignored for every domain:
    name+anything@ reaches name@ at nearly every provider (Gmail, Outlook, Fastmail, Proton, iCloud, and
    Postfix's and Exim's usual setting). Two people whose local parts only differ after a “+” would share a
    limit of a few requests a day; not merging them would let anyone send a victim one mail per tag.
    """
    local, _, domain = email.rpartition("@")
    local, domain = local.casefold(), domain.casefold().rstrip(".")
    local = local.split("+", 1)[0] or local
    if domain in DOTS_IGNORED:
        local, domain = local.replace(".", "") or local, "gmail.com"
    return f"{local}@{domain}"


@dataclass(frozen=True)
class Limits:
    """Set by PRIVACY_RIGHTS_LIMITS (privacy/settings.py holds the defaults and why)."""

    per_address: Limit
    per_email: Limit


class RightsLimits:
    """The two counters, keyed with the server's signing key."""

    def __init__(self, limits: Limits, secret: str) -> None:
        self.posts = Counter("rights.address", limits.per_address, secret)
        self.requests = Counter("rights.email", limits.per_email, secret)

    def post(self, hits: RateLimits, client: str, now: float) -> Verdict:
        """Counts a post from ``client`` (valid or not: a robot's posts are the ones to stop)."""
        return self.posts.take(hits, client_key(client), now)

    def may_request(self, hits: RateLimits, email: str, now: float) -> Verdict:
        return self.requests.check(hits, mailbox(email), now)

    def requested(self, hits: RateLimits, email: str, now: float) -> None:
        """Counts a request accepted for ``email``'s mailbox."""
        self.requests.record(hits, mailbox(email), now)
