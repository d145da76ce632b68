"""The rights form's rate limits: per mailbox however the address is spelt, kept in the database (so every
instance sees them and a restart forgets nothing), and counting only the requests accepted."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from privacy.rate_limits import FORGET_EVERY, Counter, Limit, client_key
from privacy.rights.limits import mailbox
from privacy.sqlite.counters import SqliteRateLimits
from tests.rights.conftest import good_form
from tests.rights.test_pages import post, rows, wait_for_mail

# Posts per address lifted: these tests are about the mailbox (every test post comes from one address).
MAILBOX_ONLY = {"PRIVACY_RIGHTS_LIMITS": "1000/600,5/86400"}


@pytest.mark.parametrize(
    ("typed", "counted"),
    [
        ("Ana@Example.fr", "ana@example.fr"),
        ("ana+1@example.fr", "ana@example.fr"),
        ("ana+tag+more@example.fr", "ana@example.fr"),
        ("ana.dupont@example.fr", "ana.dupont@example.fr"),  # elsewhere a dot is part of the name
        ("A.n.a+x@GMail.com", "ana@gmail.com"),
        ("a.na@googlemail.com", "ana@gmail.com"),
        ("+ana@example.fr", "+ana@example.fr"),
    ],
)
def test_an_address_is_counted_as_the_mailbox_it_reaches(typed: str, counted: str) -> None:
    assert mailbox(typed) == counted


def test_forty_sub_addresses_of_one_mailbox_get_five_acknowledgments(
    make_client: Callable[..., TestClient], rights_content: Path, tmp_path: Path
) -> None:
    client = make_client(rights_content, **MAILBOX_ONLY)
    spellings = [f"victim+{i}@gmail.com" if i % 2 else f"vic.tim+{i}@googlemail.com" for i in range(40)]
    answers = [
        post(client, good_form(email=email, details=f"demande {i}")).status_code for i, email in enumerate(spellings)
    ]
    assert answers == [303] * 5 + [429] * 35
    acknowledgments = [
        m for m in wait_for_mail(tmp_path / "var" / "maildir", 10) if ".acknowledgment@" in m["Message-ID"]
    ]
    assert len(acknowledgments) == 5
    refused = post(client, good_form(email="victim@gmail.com", details="encore"))
    assert refused.status_code == 429 and "Réessayez demain" in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 86400


def test_two_instances_on_one_database_enforce_one_limit(
    make_client: Callable[..., TestClient], rights_content: Path, tmp_path: Path
) -> None:
    first, second = make_client(rights_content, **MAILBOX_ONLY), make_client(rights_content, **MAILBOX_ONLY)
    answers = [post(first if i % 2 else second, good_form(details=f"demande {i}")).status_code for i in range(10)]
    assert answers == [303] * 5 + [429] * 5
    assert len(rows(tmp_path)) == 5


def test_a_restart_keeps_the_counts(
    make_client: Callable[..., TestClient], rights_content: Path, tmp_path: Path
) -> None:
    before = make_client(rights_content, **MAILBOX_ONLY)
    assert [post(before, good_form(details=f"demande {i}")).status_code for i in range(5)] == [303] * 5
    before.__exit__(None, None, None)
    after = make_client(rights_content, **MAILBOX_ONLY)
    assert post(after, good_form(details="après le redémarrage")).status_code == 429


def test_a_restart_keeps_the_count_of_posts_per_address(
    make_client: Callable[..., TestClient], rights_content: Path
) -> None:
    before = make_client(rights_content, PRIVACY_RIGHTS_LIMITS="3/600,5/86400")
    assert [post(before, good_form(email="")).status_code for _ in range(3)] == [422] * 3
    before.__exit__(None, None, None)
    assert post(make_client(rights_content, PRIVACY_RIGHTS_LIMITS="3/600,5/86400"), good_form()).status_code == 429


def test_only_accepted_requests_count_against_the_mailbox(
    make_client: Callable[..., TestClient], rights_content: Path, tmp_path: Path
) -> None:
    client = make_client(rights_content, **MAILBOX_ONLY)
    # Invalid posts and double submissions send no mail: they leave the mailbox's five requests whole.
    assert [post(client, good_form(details="")).status_code for _ in range(6)] == [422] * 6
    assert [post(client, good_form()).status_code for _ in range(6)] == [303] * 6
    assert len(rows(tmp_path)) == 1
    answers = [post(client, good_form(details=f"autre demande {i}")).status_code for i in range(5)]
    assert answers == [303] * 4 + [429]


def test_the_database_holds_keyed_hashes_only_and_forgets_them(
    make_client: Callable[..., TestClient], rights_content: Path, tmp_path: Path
) -> None:
    post(make_client(rights_content), good_form(email="ana@example.fr"))
    db = sqlite3.connect(tmp_path / "var" / "privacy.sqlite3")
    try:
        hits = db.execute("SELECT counter, key FROM rate_limit_hits ORDER BY counter").fetchall()
        assert [counter for counter, _ in hits] == ["rights.address", "rights.email"]
        assert all(len(key) == 16 and b"ana" not in key and b"testclient" not in key for _, key in hits)
        counter, store = Counter("c", Limit(1, 10), "key"), SqliteRateLimits(db)
        assert counter.take(store, "x", 1000.0).allowed
        assert counter.take(store, "x", 1005.0) == counter.check(store, "x", 1005.0)
        assert not counter.check(store, "x", 1005.0).allowed and counter.check(store, "x", 1005.0).retry_after == 5
        assert counter.take(store, "x", 1010.0).allowed  # the first hit has expired
        for n in range(FORGET_EVERY):
            counter.take(store, f"y{n}", 2000.0)
        # Expired hits are deleted as new ones come: only the live ones are left.
        assert db.execute("SELECT COUNT(*) FROM rate_limit_hits WHERE counter = 'c'").fetchone()[0] == FORGET_EVERY
    finally:
        db.close()


@pytest.mark.parametrize(
    ("host", "counted"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_a_client_is_counted_by_its_address_or_ipv6_network(host: str, counted: str) -> None:
    assert client_key(host) == counted
