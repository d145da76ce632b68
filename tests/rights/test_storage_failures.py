"""A full or read-only disk, made by SQLite on the app's own connections: the form answers a localized 503 in
the site's layout with what was typed kept; nothing already stored is lost; nothing is a 500."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.faults.injection import Fault, storage_fault
from tests.rights.conftest import good_form

FORM = "/rights/clinique/fr/"
TYPED = good_form(
    name="Zoé Lefèvre",
    email="zoe@example.fr",
    details="Copie du compte rendu d'IRM de mars",
    file_reference="IRM-778",
    rights=["access", "erasure"],
)


def _stored(client: TestClient) -> list[str]:
    db = sqlite3.connect(client.app.state.privacy.settings.database)  # type: ignore[attr-defined]
    try:
        return sorted(email for (email,) in db.execute("SELECT email FROM rights_requests"))
    finally:
        db.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient], rights_content: Path) -> TestClient:
    return make_client(rights_content, PRIVACY_RIGHTS_LIMITS="1000/60,1000/60")


@pytest.mark.parametrize("fault", ["full", "read_only"])
def test_the_form_answers_503_with_what_was_typed_and_loses_nothing_stored(client: TestClient, fault: Fault) -> None:
    before = [f"before{n}@example.fr" for n in range(3)]
    for email in before:
        assert client.post(FORM, data=good_form(email=email), follow_redirects=False).status_code == 303
    with storage_fault(client.app, fault):  # type: ignore[arg-type]
        statuses = []
        for n in range(60):  # bounded: a full database still takes what fits in its free space
            response = client.post(FORM, data={**TYPED, "email": f"zoe{n}@example.fr"}, follow_redirects=False)
            statuses.append(response.status_code)
            if response.status_code == 503:
                break
        assert statuses[-1] == 503 and set(statuses) <= {303, 503}
        page = html.unescape(response.text)
        assert response.headers["content-language"] == "fr" and response.headers["retry-after"] == "60"
        assert "Votre demande n'a pas pu être enregistrée pour l'instant" in page
        assert "renvoyez-le dans quelques minutes" in page
        assert '<html lang="fr">' in page and "Clinique Exemple" in page and "/rights/assets/" in page
        assert f'value="zoe{n}@example.fr"' in page and 'value="Zoé Lefèvre"' in page
        assert ">Copie du compte rendu d'IRM de mars</textarea>" in page and 'value="IRM-778"' in page
        assert (
            'value="access" id="right-access" checked' in page and 'value="erasure" id="right-erasure" checked' in page
        )
        # Reading goes on: the form itself still shows.
        assert client.get(FORM).status_code == 200
    accepted = [f"zoe{i}@example.fr" for i, status in enumerate(statuses) if status == 303]
    assert _stored(client) == sorted(before + accepted)
    # Once the disk takes writes again, the same post goes through.
    assert client.post(FORM, data=TYPED, follow_redirects=False).status_code == 303


def test_confirming_an_address_on_a_read_only_disk_is_a_503_with_the_button_again(
    client: TestClient, tmp_path: Path
) -> None:
    from tests.rights.test_pages import _confirm_link

    assert client.post(FORM, data=good_form(), follow_redirects=False).status_code == 303
    link = _confirm_link(tmp_path / "var" / "maildir")
    with storage_fault(client.app, "read_only"):  # type: ignore[arg-type]
        response = client.post(link, follow_redirects=False)
    assert response.status_code == 503 and response.headers["retry-after"] == "60"
    page = html.unescape(response.text)
    assert "Votre confirmation n'a pas pu être enregistrée pour l'instant" in page
    assert f'action="{link}"' in page and "Confirmer mon adresse" in page
    done = client.post(link, follow_redirects=False)
    assert done.status_code == 200 and "Votre adresse est confirmée" in done.text


def test_on_a_read_only_disk_a_form_with_mistakes_still_shows_them(client: TestClient) -> None:
    with storage_fault(client.app, "read_only"):  # type: ignore[arg-type]
        response = client.post(FORM, data={**TYPED, "email": "not an address"}, follow_redirects=False)
    assert response.status_code == 422  # the post could not be counted, the mistakes are said all the same
    assert "Saisissez une adresse e-mail valide" in html.unescape(response.text)
    assert 'value="Zoé Lefèvre"' in html.unescape(response.text)
