from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import pytest
from itsdangerous import Signer
from itsdangerous.encoding import base64_decode, base64_encode

from privacy.consent.cookie import ConsentChoice, ConsentCookie, new_consent_id, site_salt
from privacy.consent.inventory import SECONDS_PER_MONTH, ConsentInventory, consent_inventory
from privacy.content import load_content
from tests.consent.conftest import ESSENTIAL, OPT_IN


@pytest.fixture
def inventory(consent_content: Path) -> ConsentInventory:
    site = load_content(consent_content).site(OPT_IN)
    assert site is not None
    return consent_inventory(site)


def choice(revision: str, at: int | None = None) -> ConsentChoice:
    return ConsentChoice("abc123", int(time.time()) if at is None else at, revision, {"audience_measurement": True})


def test_a_signed_choice_reads_back(inventory: ConsentInventory) -> None:
    cookie = ConsentCookie(("k" * 40,))
    value = cookie.dumps(choice(inventory.revision), OPT_IN)
    read = cookie.loads(value, OPT_IN)
    assert read is not None
    assert cookie.current(value, inventory) == choice(inventory.revision, read.at)


def test_the_cookie_is_signed_the_way_itsdangerous_signs(inventory: ConsentInventory) -> None:
    # Signed in a few C calls rather than through itsdangerous' helpers: its own Signer is the judge.
    key = "k" * 40
    cookie = ConsentCookie((key,))
    signer = Signer(key, salt=site_salt(OPT_IN), digest_method=hashlib.sha256)
    ours = cookie.dumps(choice(inventory.revision, at=1_700_000_000), OPT_IN)
    assert json.loads(base64_decode(signer.unsign(ours))) == {
        "i": "abc123",
        "t": 1_700_000_000,
        "r": inventory.revision,
        "c": {"audience_measurement": True},
    }
    theirs = signer.sign(base64_encode(json.dumps({"i": "x1", "t": 5, "r": "r", "c": {}}))).decode()
    assert cookie.loads(theirs, OPT_IN) == ConsentChoice("x1", 5, "r", {})
    assert cookie.loads(theirs[:-2], OPT_IN) is None


def test_the_newest_key_signs_and_every_key_verifies(inventory: ConsentInventory) -> None:
    old, new = "old-" + "o" * 40, "new-" + "n" * 40
    signed_with_old = ConsentCookie((old,)).dumps(choice(inventory.revision), OPT_IN)
    rotated = ConsentCookie((new, old))  # settings list the newest first
    assert rotated.loads(signed_with_old, OPT_IN) is not None
    signed_after_rotation = rotated.dumps(choice(inventory.revision), OPT_IN)
    assert ConsentCookie((new,)).loads(signed_after_rotation, OPT_IN) is not None
    assert ConsentCookie((old,)).loads(signed_after_rotation, OPT_IN) is None


@pytest.mark.parametrize("value", ["", "garbage", "a.b", "eyJ4Ijox.invalid", "x" * 5000])
def test_unparsable_cookies_are_no_choice(inventory: ConsentInventory, value: str) -> None:
    assert ConsentCookie(("k" * 40,)).current(value, inventory) is None


def test_a_tampered_cookie_is_no_choice(inventory: ConsentInventory) -> None:
    cookie = ConsentCookie(("k" * 40,))
    value = cookie.dumps(choice(inventory.revision), OPT_IN)
    payload, signature = value.rsplit(".", 1)
    # Change the first character: the last one of base64 may carry only padding bits.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert cookie.current(f"{payload}.{flipped}", inventory) is None
    assert ConsentCookie(("another-key" * 4,)).current(value, inventory) is None


def test_a_signed_payload_of_the_wrong_shape_is_no_choice(inventory: ConsentInventory) -> None:
    cookie = ConsentCookie(("k" * 40,))
    raw = cookie._serializer(OPT_IN).dumps({"i": "x", "t": "yesterday", "r": inventory.revision, "c": {}})
    assert cookie.loads(raw, OPT_IN) is None


def test_a_choice_for_another_revision_is_no_choice(inventory: ConsentInventory) -> None:
    cookie = ConsentCookie(("k" * 40,))
    assert cookie.current(cookie.dumps(choice("0123456789abcdef"), OPT_IN), inventory) is None


def test_a_choice_older_than_the_lifetime_is_no_choice(inventory: ConsentInventory) -> None:
    cookie = ConsentCookie(("k" * 40,))
    now = time.time()
    fresh = cookie.dumps(choice(inventory.revision, int(now - 5 * SECONDS_PER_MONTH)), OPT_IN)
    stale = cookie.dumps(choice(inventory.revision, int(now - 6 * SECONDS_PER_MONTH - 60)), OPT_IN)
    assert cookie.current(fresh, inventory, now) is not None
    assert cookie.current(stale, inventory, now) is None


def test_a_cookie_signed_for_another_site_is_no_choice(inventory: ConsentInventory) -> None:
    cookie = ConsentCookie(("k" * 40,))
    other_site = cookie.dumps(choice(inventory.revision), ESSENTIAL)
    assert cookie.loads(other_site, ESSENTIAL) is not None
    assert cookie.loads(other_site, OPT_IN) is None and cookie.current(other_site, inventory) is None


def _variants(signature: str) -> list[str]:
    """Encodings of the same signature bytes that lenient base64 decoders take."""
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    low_bits = signature[:-1] + last[last.index(signature[-1]) ^ 1]  # 43 characters carry 2 bits too many
    return [
        signature + "=",  # padding
        signature + "==",
        signature.replace("-", "+").replace("_", "/") if {"-", "_"} & set(signature) else signature + "=" * 3,
        signature[:10] + " " + signature[10:],  # whitespace
        signature[:10] + "\n" + signature[10:],
        signature[:20] + "!" + signature[20:],  # a character of no alphabet
        low_bits,
    ]


def test_only_the_canonical_encoding_of_a_signature_is_accepted(inventory: ConsentInventory) -> None:
    cookie = ConsentCookie(("k" * 40,))
    value = cookie.dumps(choice(inventory.revision), OPT_IN)
    payload, signature = value.rsplit(".", 1)
    accepted = [variant for variant in _variants(signature) if cookie.loads(f"{payload}.{variant}", OPT_IN)]
    assert accepted == []
    assert cookie.loads(value, OPT_IN) is not None


def test_no_key_is_refused() -> None:
    with pytest.raises(ValueError):
        ConsentCookie(())


def test_consent_ids_are_random_url_safe_and_never_repeat() -> None:
    ids = [new_consent_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", i) for i in ids)
