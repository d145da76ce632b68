"""GET and POST /consent over the real app: the state, the cookie, the proof log, and every bad input."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from privacy.consent import log
from privacy.consent.cookie import ConsentChoice, ConsentCookie
from privacy.consent.inventory import SECONDS_PER_MONTH
from tests.consent.conftest import ESSENTIAL, OPT_IN, consent_log_db, consent_records, consent_sites
from tests.factories import write_content
from tests.support.backends import on_both_backends as storage_backend  # noqa: F401

KEY = "test-key-" + "x" * 40  # tests.factories.settings_env's key


def records(client: TestClient, site: str = OPT_IN) -> list[log.ConsentRecord]:
    return consent_records(client, site)


def state(client: TestClient, site: str = OPT_IN, lang: str = "en", **headers: str) -> dict[str, Any]:
    response = client.get("/consent", params={"site": site, "lang": lang}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    answer: dict[str, Any] = response.json()
    return answer


def test_a_first_visit_has_no_choice_and_gets_the_banner_in_its_language(consent_client: TestClient) -> None:
    body = state(consent_client, lang="fr")
    assert body["decided"] is False
    assert body["mode"] == "opt-in"
    assert body["choices"] == {"audience_measurement": False}
    assert body["text"]["accept"] == "Tout accepter"
    assert body["text"]["reject"] == "Tout refuser"
    assert [c["id"] for c in body["categories"]] == ["strictly_necessary", "audience_measurement"]
    assert body["categories"][0]["required"] is True
    assert body["categories"][1]["cookies"][0] == {
        "name": "_pk_id",
        "provider": "Matomo",
        "duration": "13\xa0mois",
        "purpose": "Mesurer l'audience",
    }
    assert body["notice"] == "/clinique/fr/#cookies"
    # The page's language when the site declares it (region subtags too), else the site's first: never English
    # on a French site by default.
    assert state(consent_client, lang="en-GB")["text"]["accept"] == "Accept all"
    assert state(consent_client, lang="fr-CA")["text"]["accept"] == "Tout accepter"
    assert state(consent_client, lang="de")["text"]["accept"] == "Tout accepter"
    assert state(consent_client, lang="")["lang"] == "fr"


def test_essential_mode_offers_no_categories(consent_client: TestClient) -> None:
    body = state(consent_client, ESSENTIAL)
    assert body["mode"] == "essential"
    assert body["categories"] == [] and body["choices"] == {}


def test_accepting_sets_a_signed_first_party_cookie_and_logs_the_proof(consent_client: TestClient) -> None:
    response = consent_client.post("/consent", json={"site": OPT_IN, "lang": "fr", "action": "accept"})
    assert response.status_code == 200, response.text
    assert response.json()["choices"] == {"audience_measurement": True}
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("consent-clinique=")
    for attribute in ("HttpOnly", "Secure", "Path=/", "SameSite=lax", "Max-Age=15778476"):
        assert attribute in cookie
    assert state(consent_client)["decided"] is True
    [record] = records(consent_client)
    assert (record.action, record.choices, record.language, record.gpc, record.channel) == (
        "accept",
        {"audience_measurement": True},
        "fr",
        False,
        "script",
    )
    assert record.banner_hash == state(consent_client, lang="fr")["hash"]
    assert record.revision == state(consent_client)["revision"]
    # No IP address, no user agent: not in the row, nor in the cookie.
    row = dict(consent_log_db(consent_client).execute("SELECT * FROM consent_log").fetchone())
    assert "testclient" not in json.dumps(row, default=str)
    assert set(row) == {
        "id",
        "consent_id",
        "recorded_at",
        "site",
        "revision",
        "banner_hash",
        "language",
        "action",
        "choices",
        "gpc",
        "channel",
    }


def test_reject_customize_and_withdraw_are_each_recorded(consent_client: TestClient) -> None:
    def post(body: dict[str, Any]) -> Any:
        return consent_client.post("/consent", json={"site": OPT_IN, **body}).json()

    assert post({"action": "reject"})["choices"] == {"audience_measurement": False}
    assert post({"action": "customize", "choices": {"audience_measurement": True}})["choices"] == {
        "audience_measurement": True
    }
    assert post({"action": "customize", "choices": {"audience_measurement": False}})["action"] == "withdraw"
    actions = [r.action for r in records(consent_client)]
    assert actions == ["reject", "customize", "withdraw"]
    assert len({r.consent_id for r in records(consent_client)}) == 1, "one browser keeps one consent id"


def test_dismissing_the_essential_notice_is_remembered(consent_client: TestClient) -> None:
    assert consent_client.post("/consent", json={"site": ESSENTIAL, "action": "dismiss"}).status_code == 200
    assert state(consent_client, ESSENTIAL)["decided"] is True
    assert [r.action for r in records(consent_client, ESSENTIAL)] == ["dismiss"]


def confirmation(back: str, lang: str = "fr", site: str = OPT_IN) -> str:
    """Where a form post leads: the page confirming the choice, with ``back`` as its link back."""
    return "/consent/recorded?" + urlencode({"site": site, "lang": lang, "return": back})


def test_the_plain_form_answers_303_to_a_confirmation_that_links_back_to_its_page(consent_client: TestClient) -> None:
    response = consent_client.post(
        "/consent",
        data={
            "site": OPT_IN,
            "lang": "fr",
            "action": "customize",
            "category": "audience_measurement",
            "return": "/clinique/fr/?x=1#cookie-settings",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == confirmation("/clinique/fr/?x=1#cookie-settings")
    assert state(consent_client)["choices"] == {"audience_measurement": True}
    assert records(consent_client)[-1].channel == "form"


def test_a_form_without_return_goes_back_to_the_referring_page_or_the_notice(consent_client: TestClient) -> None:
    back = consent_client.post(
        "/consent",
        data={"site": OPT_IN, "action": "reject"},
        headers={"referer": "https://testserver/contact?a=b"},
        follow_redirects=False,
    )
    assert back.headers["location"] == confirmation("/contact?a=b", "en")
    elsewhere = consent_client.post(
        "/consent",
        data={"site": OPT_IN, "lang": "fr", "action": "reject"},
        headers={"referer": "https://evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == confirmation("/clinique/fr/#cookie-settings")
    # A Referer no URL parser accepts was a 500: it goes back to the notice like any other.
    unparsable = consent_client.post(
        "/consent",
        data={"site": OPT_IN, "lang": "fr", "action": "reject"},
        headers={"referer": "http://[x/"},
        follow_redirects=False,
    )
    assert unparsable.status_code == 303
    assert unparsable.headers["location"] == confirmation("/clinique/fr/#cookie-settings")


def test_global_privacy_control_is_reported_and_logged(consent_client: TestClient) -> None:
    assert state(consent_client, **{"Sec-GPC": "1"})["gpc"] is True
    consent_client.post("/consent", json={"site": OPT_IN, "action": "reject"}, headers={"Sec-GPC": "1"})
    consent_client.post("/consent", json={"site": OPT_IN, "action": "reject", "gpc": True})
    assert [r.gpc for r in records(consent_client)] == [True, True]


def signed(choice: ConsentChoice, key: str = KEY, site: str = OPT_IN) -> str:
    return ConsentCookie((key,)).dumps(choice, site)


def test_a_cookie_of_another_site_is_no_choice_and_lends_it_no_consent_id(consent_client: TestClient) -> None:
    # Signed with this server's key, for the right revision, but for another site of the same server.
    revision = state(consent_client)["revision"]
    elsewhere = ConsentChoice("id-of-another-site", int(time.time()) - 60, revision, {"audience_measurement": True})
    consent_client.cookies.set("consent-clinique", signed(elsewhere, site=ESSENTIAL))
    assert state(consent_client)["decided"] is False
    consent_client.post("/consent", json={"site": OPT_IN, "action": "reject"})
    assert [r.consent_id for r in records(consent_client)] != ["id-of-another-site"]


def test_a_tampered_cookie_counts_as_no_choice(consent_client: TestClient) -> None:
    consent_client.post("/consent", json={"site": OPT_IN, "action": "accept"})
    value = consent_client.cookies["consent-clinique"]
    payload, signature = value.rsplit(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["c"] = {"audience_measurement": False}  # a choice the person never made
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    consent_client.cookies.clear()
    consent_client.cookies.set("consent-clinique", f"{forged}.{signature}")
    assert state(consent_client)["decided"] is False
    consent_client.cookies.clear()
    consent_client.cookies.set("consent-clinique", value)
    assert state(consent_client)["decided"] is True


def test_a_revision_change_or_an_old_choice_asks_again(consent_client: TestClient) -> None:
    revision = state(consent_client)["revision"]
    now = int(time.time())
    consent_client.cookies.set(
        "consent-clinique", signed(ConsentChoice("id", now, "0" * 16, {"audience_measurement": True}))
    )
    assert state(consent_client)["decided"] is False
    expired = ConsentChoice("id", now - 6 * SECONDS_PER_MONTH - 3600, revision, {"audience_measurement": True})
    consent_client.cookies.set("consent-clinique", signed(expired))
    assert state(consent_client)["decided"] is False
    consent_client.cookies.set(
        "consent-clinique", signed(ConsentChoice("id", now - 3600, revision, {"audience_measurement": True}))
    )
    assert state(consent_client)["decided"] is True


def test_a_new_cookie_in_the_inventory_asks_again(
    make_client: Callable[..., TestClient], tmp_path: Path, consent_client: TestClient
) -> None:
    consent_client.post("/consent", json={"site": OPT_IN, "action": "accept"})
    value = consent_client.cookies["consent-clinique"]
    items = consent_sites()[OPT_IN]["cookies"]["items"]
    new_item = {
        "name": "_pk_ses",
        "provider": "Matomo",
        "category": "audience_measurement",
        "purpose": {"fr": "Visite", "en": "Visit"},
        "duration": "1 day",
    }
    changed = write_content(tmp_path / "changed", consent_sites(items=[*items, new_item]))
    after = make_client(changed)
    after.cookies.set("consent-clinique", value)
    assert state(after)["decided"] is False


def test_a_rotated_key_still_reads_old_cookies(make_client: Callable[..., TestClient], consent_content: Path) -> None:
    first = make_client(consent_content)
    first.post("/consent", json={"site": OPT_IN, "action": "accept"})
    value = first.cookies["consent-clinique"]
    rotated = make_client(consent_content, PRIVACY_SECRET_KEYS=f"{'n' * 40},{KEY}")
    rotated.cookies.set("consent-clinique", value)
    assert state(rotated)["decided"] is True
    forgotten = make_client(consent_content, PRIVACY_SECRET_KEYS="n" * 40)
    forgotten.cookies.set("consent-clinique", value)
    assert state(forgotten)["decided"] is False


# --- bad input: a 4xx with a message in the visitor's language, never a 500 ---------------------------


def post_raw(client: TestClient, body: bytes, content_type: str = "application/json", **headers: str) -> Response:
    return client.post("/consent", content=body, headers={"content-type": content_type, **headers})


@pytest.mark.parametrize(
    ("body", "status", "english", "french"),
    [
        (b"{not json", 400, "not valid JSON", "pas du JSON valide"),
        (b"[1, 2]", 400, "not valid JSON", "pas du JSON valide"),
        (b"\xff\xfe", 400, "not valid JSON", "pas du JSON valide"),
        (b'{"site": "clinique", "choices": []}', 400, "not valid JSON", "pas du JSON valide"),
        (
            b'{"site": "clinique", "action": "maybe"}',
            400,
            "is not a choice this banner offers",
            "n'est pas un choix proposé",
        ),
        (
            b'{"site": "clinique", "action": "customize", "choices": {"advertising": true}}',
            400,
            "is not a cookie category of this site",
            "n'est pas une catégorie de cookies de ce site",
        ),
        (
            b'{"site": "clinique", "action": "customize", "choices": {"nonsense": true}}',
            400,
            "is not a cookie category of this site",
            "n'est pas une catégorie de cookies de ce site",
        ),
        (
            b'{"site": "clinique", "action": "customize", "choices": {"audience_measurement": "yes"}}',
            400,
            "must be true or false",
            "doit valoir true ou false",
        ),
        (b'{"site": "nowhere", "action": "accept"}', 404, "There is no such site", "Ce site n'existe pas"),
        (b'{"action": "accept"}', 400, "Say which site", "Indiquez à quel site"),
        # Nested 1,500 deep in under 4 KB: Python's parser would recurse out of its stack (a 500).
        (b"[" * 1500 + b"]" * 1500, 400, "nests too deeply", "trop imbriquée"),
        (
            b'{"site": "clinique", "action": "accept", "x": ' + b'{"a":' * 600 + b"1" + b"}" * 601,
            400,
            "nests too deeply",
            "trop imbriquée",
        ),
    ],
)
def test_bad_json_gets_a_localized_4xx(
    consent_client: TestClient, body: bytes, status: int, english: str, french: str
) -> None:
    response = post_raw(consent_client, body)
    assert response.status_code == status
    assert english in response.json()["error"]
    in_french = post_raw(consent_client, body, **{"accept-language": "fr-FR,fr;q=0.9"})
    assert french in in_french.json()["error"]
    assert in_french.headers["content-language"] == "fr"
    assert records(consent_client) == []


def test_the_page_language_in_the_body_wins(consent_client: TestClient) -> None:
    response = post_raw(
        consent_client, b'{"site": "clinique", "lang": "fr", "action": "maybe"}', **{"accept-language": "en"}
    )
    assert "n'est pas un choix proposé" in response.json()["error"]


def test_an_oversized_body_is_refused(consent_client: TestClient) -> None:
    body = json.dumps({"site": OPT_IN, "action": "accept", "padding": "x" * 10_000}).encode()
    response = post_raw(consent_client, body, **{"accept-language": "fr"})
    assert response.status_code == 413
    assert "trop volumineuse" in response.json()["error"]


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x", "application/xml", ""])
def test_a_wrong_content_type_is_refused(consent_client: TestClient, content_type: str) -> None:
    response = post_raw(consent_client, b"site=clinique&action=accept", content_type, **{"accept-language": "fr"})
    assert response.status_code == 415
    assert "Envoyez le choix en JSON" in response.text


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"origin": "null"},
    ],
)
def test_a_cross_site_post_is_refused(consent_client: TestClient, headers: dict[str, str]) -> None:
    response = consent_client.post(
        "/consent",
        data={"site": OPT_IN, "action": "accept"},
        headers={**headers, "accept-language": "fr"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "depuis les pages de ce site" in response.text
    assert "set-cookie" not in response.headers
    assert records(consent_client) == []


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil",
        "/ok\r\nSet-Cookie: x=1",
        "/" + "a" * 3000,
    ],
)
def test_an_open_redirect_is_refused(consent_client: TestClient, target: str) -> None:
    response = consent_client.post(
        "/consent", data={"site": OPT_IN, "lang": "fr", "action": "accept", "return": target}, follow_redirects=False
    )
    assert response.status_code == 400
    assert "La page de retour doit être une adresse de ce site" in response.text
    assert records(consent_client) == []


def test_a_malformed_form_is_refused(consent_client: TestClient) -> None:
    response = post_raw(consent_client, b"\xff=\xfe", "application/x-www-form-urlencoded", **{"accept-language": "fr"})
    assert response.status_code == 400
    assert "Ce formulaire est illisible" in response.text


@pytest.mark.parametrize("query", ["", "?site=", "?site=nowhere", "?site=../etc"])
def test_get_without_a_known_site_is_a_localized_4xx(consent_client: TestClient, query: str) -> None:
    response = consent_client.get(f"/consent{query}", headers={"accept-language": "fr"})
    assert response.status_code in (400, 404)
    assert response.json()["error"] in ("Ce site n'existe pas.", response.json()["error"])
    assert response.headers["content-language"] == "fr"


def test_other_methods_are_a_client_error(consent_client: TestClient) -> None:
    assert 400 <= consent_client.put("/consent", json={}).status_code < 500


def test_a_choice_the_log_cannot_take_is_a_localized_503_without_a_cookie(consent_client: TestClient) -> None:
    accept = {"site": OPT_IN, "lang": "fr", "action": "accept"}
    assert consent_client.post("/consent", json=accept).status_code == 200
    consent_client.cookies.clear()
    db = consent_log_db(consent_client)
    db.execute("ALTER TABLE consent_log RENAME TO consent_log_elsewhere")  # the log can no longer be written
    try:
        refused = consent_client.post("/consent", json=accept)
    finally:
        db.execute("ALTER TABLE consent_log_elsewhere RENAME TO consent_log")
    assert refused.status_code == 503
    assert refused.json()["error"].startswith("Votre choix n'a pas pu être enregistré")
    assert "set-cookie" not in refused.headers  # no cookie without its proof
    again = consent_client.post("/consent", json=accept)
    assert again.status_code == 200
    assert len(records(consent_client)) == 2  # the first entry kept, the failed one never half-written


# --- the limit per client address ---------------------------------------------------------------------------


def test_choices_are_limited_per_client_address_and_a_refused_one_writes_nothing(
    make_client: Callable[..., TestClient], consent_content: Path
) -> None:
    client = make_client(consent_content)  # the default: 30 choices in 10 minutes
    answers = [client.post("/consent", json={"site": OPT_IN, "action": "reject"}).status_code for _ in range(31)]
    assert answers == [200] * 30 + [429]
    refused = client.post("/consent", json={"site": OPT_IN, "lang": "fr", "action": "accept"})
    assert refused.status_code == 429 and "set-cookie" not in refused.headers
    assert refused.json() == {
        "error": "Trop de choix ont été envoyés depuis votre connexion\xa0: rien n'a été "
        "modifié. Veuillez réessayer dans quelques minutes."
    }
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert len(records(client)) == 30
    form = client.post("/consent", data={"site": OPT_IN, "lang": "en", "action": "accept"}, follow_redirects=False)
    assert form.status_code == 429 and form.text.startswith("Too many choices were sent from your connection")
    assert len(records(client)) == 30


def test_invalid_posts_do_not_count_and_the_limit_holds_across_instances_and_restarts(
    make_client: Callable[..., TestClient], consent_content: Path
) -> None:
    first = make_client(consent_content, PRIVACY_CONSENT_LIMITS="4/600")
    second = make_client(consent_content, PRIVACY_CONSENT_LIMITS="4/600")
    # Refused choices write nothing, so they are not what the limit counts.
    assert {first.post("/consent", json={"site": OPT_IN, "action": "maybe"}).status_code for _ in range(10)} == {400}
    answers = [
        (first if i % 2 else second).post("/consent", json={"site": OPT_IN, "action": "accept"}).status_code
        for i in range(6)
    ]
    assert answers == [200] * 4 + [429] * 2
    first.__exit__(None, None, None)
    again = make_client(consent_content, PRIVACY_CONSENT_LIMITS="4/600")
    assert again.post("/consent", json={"site": OPT_IN, "action": "accept"}).status_code == 429
    assert len(records(again)) == 4
