"""The visitor's side of a choice: the signed consent receipt, as text and as ISO/IEC TS 27560-shaped JSON, and the
page that confirms a choice posted without JavaScript."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

import server
from privacy.consent.receipt import SCHEMA, verify
from tests.consent.conftest import ESSENTIAL, OPT_IN
from tests.consent.test_routes import records, state
from tests.factories import settings_env

KEYS = ("test-key-" + "x" * 40,)  # tests/factories.settings_env's


def choose(client: TestClient, action: str = "accept", lang: str = "fr") -> None:
    response = client.post("/consent", json={"site": OPT_IN, "lang": lang, "action": action})
    assert response.status_code == 200, response.text


def test_the_json_receipt_is_a_signed_27560_record_of_the_choice(consent_client: TestClient) -> None:
    choose(consent_client)
    response = consent_client.get("/consent/receipt", params={"site": OPT_IN, "lang": "fr", "format": "json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].startswith(f'attachment; filename="consent-receipt-{OPT_IN}-')
    receipt = response.json()
    record, proof = receipt["record"], records(consent_client)[-1]
    assert record["schema"] == SCHEMA
    assert record["pii_principal_id"] == proof.consent_id
    assert record["notice"]["version"] == proof.revision == state(consent_client)["revision"]
    assert record["notice"]["hash"] == {"algorithm": "SHA-256", "value": proof.banner_hash}
    assert record["notice"]["language"] == "fr"
    assert record["purposes"] == [
        {
            "purpose_id": "audience_measurement",
            "purpose": "Mesure d'audience",
            "legal_basis": "consent",
            "consent_status": "given",
        }
    ]
    (event,) = record["events"]
    assert (event["event_type"], event["event_state"], event["collection_method"]) == ("accept", "given", "script")
    assert event["event_time"] == proof.recorded_at.isoformat()
    assert record["in_proof_log"] is True
    assert receipt["signature"]["algorithm"] == "HMAC-SHA256"
    assert verify(receipt, KEYS)
    # Any change to the record breaks the signature; another server's keys do not verify it.
    forged = json.loads(json.dumps(receipt))
    forged["record"]["purposes"][0]["consent_status"] = "refused"
    assert not verify(forged, KEYS)
    assert not verify(receipt, ("another-key-" + "y" * 40,))
    assert verify(receipt, ("another-key-" + "y" * 40, *KEYS))  # a rotated key still verifies


def test_the_text_receipt_reads_in_the_visitors_language(consent_client: TestClient) -> None:
    choose(consent_client, "reject")
    text = consent_client.get("/consent/receipt", params={"site": OPT_IN, "lang": "fr-CA"}).text
    proof = records(consent_client)[-1]
    assert text.startswith("Reçu de consentement")
    assert (
        f"Identifiant de consentement (pseudonyme, gardé dans le cookie de votre navigateur)\u00a0: {proof.consent_id}"
        in text
    )
    assert "- Mesure d'audience\u00a0: consentement refusé" in text
    assert proof.banner_hash in text
    json_receipt = consent_client.get("/consent/receipt", params={"site": OPT_IN, "format": "json"}).json()
    assert json_receipt["signature"]["value"] in text
    english = consent_client.get("/consent/receipt", params={"site": OPT_IN, "lang": "en"}).text
    assert english.startswith("Consent receipt") and "- Audience measurement: consent refused" in english


def test_no_receipt_without_a_choice_and_bad_asks_get_a_clear_answer(consent_client: TestClient) -> None:
    none = consent_client.get("/consent/receipt", params={"site": OPT_IN, "lang": "fr"})
    assert none.status_code == 404
    assert "Aucun choix sur les cookies n'est enregistré pour ce site dans ce navigateur" in none.text
    assert consent_client.get("/consent/receipt", params={"site": "nope", "lang": "en"}).status_code == 404
    choose(consent_client)
    wrong = consent_client.get("/consent/receipt", params={"site": OPT_IN, "lang": "en", "format": "pdf"})
    assert wrong.status_code == 400 and "format=json" in wrong.text


def test_a_form_post_leads_to_a_page_that_confirms_the_choice_with_a_link_back(consent_client: TestClient) -> None:
    posted = consent_client.post(
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
    assert posted.status_code == 303
    target = urlsplit(posted.headers["location"])
    assert target.path == "/consent/recorded"
    assert parse_qs(target.query) == {"site": [OPT_IN], "lang": ["fr"], "return": ["/clinique/fr/?x=1#cookie-settings"]}
    page = consent_client.get(posted.headers["location"])
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "<h1>Votre choix a été enregistré</h1>" in html
    assert "<li>Mesure d&#39;audience\u00a0: consentement donné</li>" in html
    assert '<a href="/clinique/fr/?x=1#cookie-settings">Revenir à la page où vous étiez</a>' in html
    assert f'href="/consent/receipt?site={OPT_IN}&amp;lang=fr&amp;format=json"' in html
    assert '<meta name="robots" content="noindex">' in html


def test_the_confirmation_page_without_a_choice_says_so_and_refuses_another_origin(consent_client: TestClient) -> None:
    page = consent_client.get("/consent/recorded", params={"site": OPT_IN, "lang": "en", "return": "//evil.example/"})
    assert page.status_code == 404
    assert "No choice recorded" in page.text
    assert "evil.example" not in page.text
    assert '<a href="/clinique/en/#cookie-settings">Back to the page you were on</a>' in page.text
    essential = consent_client.post(
        "/consent", data={"site": ESSENTIAL, "lang": "en", "action": "dismiss"}, follow_redirects=True
    )
    assert essential.status_code == 200
    assert "there was nothing to allow or refuse" in essential.text


def test_the_dpo_tells_a_genuine_receipt_from_a_changed_one(
    consent_client: TestClient,
    tmp_path: Path,
    consent_content: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    choose(consent_client)
    receipt = consent_client.get("/consent/receipt", params={"site": OPT_IN, "format": "json"}).json()
    for name, value in settings_env(tmp_path, consent_content).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    genuine = tmp_path / "genuine.json"
    genuine.write_text(json.dumps(receipt), encoding="utf-8")
    assert server.main(["consent-receipt", str(genuine)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("authentique") and receipt["record"]["pii_principal_id"] in said
    receipt["record"]["purposes"][0]["consent_status"] = "refused"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(receipt), encoding="utf-8")
    assert server.main(["consent-receipt", str(changed)]) == 1
    assert capsys.readouterr().out.startswith("non authentique")
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{not json", encoding="utf-8")
    assert server.main(["consent-receipt", str(garbled)]) == 2
    assert "ne peut pas être lu comme un reçu de consentement JSON" in capsys.readouterr().err
