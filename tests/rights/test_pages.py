"""The form over the real app: every answer a visitor (or a robot) can get."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import itsdangerous.timed
import pytest
from starlette.testclient import TestClient

from privacy.i18n import gettext
from privacy.rights.handling import confirm_serializer
from privacy.settings import load_settings
from privacy.stores import StoredRequest
from privacy.web import CROSS_SITE, NOT_FOUND
from tests.factories import minimal_notice, settings_env, write_content
from tests.rights.conftest import good_form, maildir_messages
from tests.support.backends import on_both_backends as storage_backend  # noqa: F401
from tests.support.backends import register_of

FORM = "/rights/clinique/fr/"


def rows(tmp_path: Path) -> list[StoredRequest]:
    """What the register of the test's server holds, on whichever backend it runs."""
    return register_of(tmp_path)


def wait_for_mail(maildir: Path, count: int, timeout: float = 10) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = maildir_messages(maildir)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected {count} mails in {maildir}, found {len(maildir_messages(maildir))}")


def said(answer: Any) -> str:
    """The message of an error page (the alert in the site's layout)."""
    assert answer.headers["content-type"].startswith("text/html")
    found = re.search(r'<div class="error-summary" role="alert">\s*<p>(.*?)</p>', answer.text, re.DOTALL)
    assert found, answer.text
    return html.unescape(found.group(1))


def post(client: TestClient, form: dict[str, Any], path: str = FORM, **headers: str) -> Any:
    return client.post(path, data=form, headers=headers, follow_redirects=False)


def test_the_form_lists_the_sites_rights_and_people(rights_client: TestClient) -> None:
    page = rights_client.get(FORM)
    assert page.status_code == 200
    assert page.headers["content-language"] == "fr"
    offered = re.findall(r'name="rights" value="([a-z_]+)"', page.text)
    assert offered == ["access", "rectification", "erasure", "post_mortem_directives"]  # no portability
    assert re.findall(r'<option value="([a-z_]+)"', page.text) == ["patients", "other"]
    assert "Droit d'accès" in html.unescape(page.text)
    assert "justificatif" in page.text  # proof of identity may be asked later
    assert "dans un délai d&#39;un mois" in page.text  # the deadline, from the registry
    assert 'type="file"' not in page.text
    assert "<script" not in page.text and "style=" not in page.text
    english = rights_client.get("/rights/clinique/en/")
    assert "Exercise your rights" in english.text and english.headers["content-language"] == "en"


@pytest.mark.parametrize("path", ["/rights/nowhere/fr/", "/rights/clinique/de/"])
def test_unknown_site_or_language_is_a_404(rights_client: TestClient, path: str) -> None:
    answer = rights_client.get(path, headers={"accept-language": "en"})
    assert answer.status_code == 404
    assert said(answer) == gettext("fr" if "clinique" in path else "en", NOT_FOUND)


def test_a_site_without_the_online_form_has_no_page(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    notice = minimal_notice(rights={"offered": ["access"], "channels": {"email": "dpo@clinique.example"}})
    client = make_client(write_content(tmp_path / "c2", {"clinique": notice}))
    answer = client.get(FORM)
    assert answer.status_code == 404
    assert said(answer) == "Ce site ne propose pas de formulaire de demande en ligne."


def test_a_request_is_stored_and_the_visitor_sees_its_reference(rights_client: TestClient, tmp_path: Path) -> None:
    answer = post(rights_client, good_form())
    assert answer.status_code == 303
    assert answer.headers["location"] == "/rights/clinique/fr/sent"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "Max-Age=900" in cookie
    [row] = rows(tmp_path)
    assert row.email == "ana@example.fr" and [r.value for r in row.rights] == ["access"] and row.status == "open"
    # Neither the URL nor the cookie carries the reference or anything typed.
    assert row.reference not in answer.headers["location"] + cookie
    page = rights_client.get(answer.headers["location"])
    assert row.reference in page.text
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", row.reference)


def test_the_sent_page_without_its_cookie_shows_no_reference(rights_client: TestClient, tmp_path: Path) -> None:
    post(rights_client, good_form())
    rights_client.cookies.clear()
    page = rights_client.get("/rights/clinique/fr/sent")
    assert page.status_code == 200
    assert rows(tmp_path)[0].reference not in page.text


def test_a_double_submission_gives_the_same_reference(rights_client: TestClient, tmp_path: Path) -> None:
    first = post(rights_client, good_form())
    second = post(rights_client, good_form(name="  Ana Dupont "))
    assert first.status_code == second.status_code == 303
    assert len(rows(tmp_path)) == 1
    page = rights_client.get("/rights/clinique/fr/sent")
    assert rows(tmp_path)[0].reference in page.text
    post(rights_client, good_form(details="Autre chose"))
    assert len(rows(tmp_path)) == 2


BAD_INPUTS = [
    ({"rights": []}, "rights", "Choisissez au moins un droit."),
    ({"rights": ["portability"]}, "rights", "Choisissez uniquement parmi les droits proposés."),
    ({"rights": ["access", "access"]}, "rights", "Choisissez uniquement parmi les droits proposés."),
    ({"name": ""}, "name", "Saisissez votre nom."),
    ({"name": "x" * 201}, "name", "Raccourcissez votre nom à 200 caractères au plus."),
    (
        {"name": "Ana\r\nBcc: victim@example.org"},
        "name",
        "Écrivez votre nom sur une seule ligne, sans caractères spéciaux.",
    ),
    ({"email": ""}, "email", "Saisissez votre adresse e-mail."),
    ({"email": "ana@"}, "email", "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
    (
        {"email": "ana@example.fr\r\nBcc: victim@example.org"},
        "email",
        "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.",
    ),
    ({"email": "a" * 250 + "@example.fr"}, "email", "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
    ({"relationship": ""}, "relationship", "Indiquez votre lien avec nous."),
    ({"relationship": "staff"}, "relationship", "Choisissez l'une des options proposées."),
    ({"details": "   "}, "details", "Décrivez votre demande."),
    ({"details": "x" * 5001}, "details", "Raccourcissez votre demande à 5000 caractères au plus."),
    ({"details": "ok\x00"}, "details", "Retirez les caractères spéciaux de votre demande."),
    ({"file_reference": "9" * 101}, "file_reference", "Raccourcissez le numéro à 100 caractères au plus."),
    *[
        ({field: value}, field, message)
        for field, value, message in [
            ("name", "\u202eelpmaxe.latipsoh", "Votre nom contient un caractère invisible"),
            ("name", "Ana\u200bDupont", "Votre nom contient un caractère invisible"),
            ("name", "Ana\u2066Dupont\u2069", "Votre nom contient un caractère invisible"),
            ("name", "ceo@hospital.example", "Écrivez ici votre nom, pas une adresse e-mail"),
            ("email", "ana\u200b@example.fr", "Votre adresse e-mail contient un caractère invisible"),
            ("email", "ana@example.fr\u202c", "Votre adresse e-mail contient un caractère invisible"),
            ("file_reference", "P-\ufeff1234", "Le numéro contient un caractère invisible"),
        ]
    ],
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUTS)
def test_each_bad_input_is_answered_next_to_its_field(
    rights_client: TestClient, tmp_path: Path, overrides: dict[str, Any], field: str, message: str
) -> None:
    form = good_form(**overrides)
    answer = post(rights_client, form)
    assert answer.status_code == 422
    assert f'<p class="field-error" id="{field}-error">' in answer.text
    assert message in html.unescape(answer.text)
    assert f'aria-describedby="{field}-error' in answer.text or f'-hint {field}-error"' in answer.text
    assert 'class="error-summary"' in answer.text and "<title>Erreur\u00a0:" in answer.text
    if field != "name":  # what was typed is kept
        assert 'value="Ana Dupont"' in answer.text
    assert rows(tmp_path) == []


def test_errors_are_in_the_pages_language(rights_client: TestClient) -> None:
    answer = post(rights_client, good_form(email="nope"), "/rights/clinique/en/")
    assert "Enter a valid email address, such as name@example.fr." in answer.text


@pytest.mark.parametrize(
    "headers",
    [{"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}],
)
def test_a_cross_site_post_is_refused(rights_client: TestClient, tmp_path: Path, headers: dict[str, str]) -> None:
    answer = post(rights_client, good_form(), **headers)
    assert answer.status_code == 403
    assert said(answer) == gettext("fr", CROSS_SITE) and said(answer) != CROSS_SITE
    assert answer.headers["content-language"] == "fr"
    assert rows(tmp_path) == []


def test_a_same_origin_post_is_accepted(rights_client: TestClient) -> None:
    answer = post(rights_client, good_form(), origin="https://testserver", **{"sec-fetch-site": "same-origin"})
    assert answer.status_code == 303


def test_the_honeypot_is_refused(rights_client: TestClient, tmp_path: Path) -> None:
    answer = post(rights_client, good_form(website="http://spam.example"))
    assert answer.status_code == 400
    assert "laissez le dernier champ vide" in answer.text
    assert rows(tmp_path) == []


def test_a_body_too_large_is_refused(rights_client: TestClient) -> None:
    answer = post(rights_client, good_form(details="x" * 20000))
    assert answer.status_code == 413
    assert answer.headers["content-language"] == "fr"


@pytest.mark.parametrize("content_type", ["application/json", "multipart/form-data; boundary=x", "text/plain"])
def test_only_a_form_encoded_body_is_read(rights_client: TestClient, content_type: str) -> None:
    answer = rights_client.post(FORM, content=b"rights=access", headers={"content-type": content_type})
    assert answer.status_code == 415
    assert "ce type de contenu n'est pas accepté" in said(answer)


def test_a_body_that_is_not_utf8_is_refused(rights_client: TestClient) -> None:
    answer = rights_client.post(
        FORM, content=b"name=%FF%FE&rights=access", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert answer.status_code == 400
    assert "n'a pas pu être lu" in said(answer)


def test_posts_are_limited_per_client_address(rights_client: TestClient) -> None:
    answers = [post(rights_client, good_form(email="", details=f"essai {i}")).status_code for i in range(21)]
    assert answers[:20] == [422] * 20
    assert answers[20] == 429
    refused = post(rights_client, good_form())
    assert refused.status_code == 429 and "Réessayez dans quelques minutes" in refused.text
    assert int(refused.headers["retry-after"]) > 0


def test_requests_are_limited_per_email_address(rights_client: TestClient, tmp_path: Path) -> None:
    answers = [
        post(rights_client, good_form(email="Ana@Example.fr", details=f"demande {i}")).status_code for i in range(6)
    ]
    assert answers == [303] * 5 + [429]
    assert len(rows(tmp_path)) == 5
    assert post(rights_client, good_form(email="autre@example.fr")).status_code == 303


def _confirm_link(maildir: Path) -> str:
    ack = next(m for m in wait_for_mail(maildir, 2) if "acknowledgment" in m["Message-ID"])
    return re.search(r"https://testserver(/rights/\S+)", ack.get_content()).group(1)  # type: ignore[union-attr]


def test_the_emailed_link_confirms_the_address_and_tells_the_dpo(rights_client: TestClient, tmp_path: Path) -> None:
    maildir = tmp_path / "var" / "maildir"
    post(rights_client, good_form())
    link = _confirm_link(maildir)
    assert rows(tmp_path)[0].reference not in link
    page = rights_client.get(link)
    assert page.status_code == 200 and "Confirmer mon adresse" in page.text
    assert rows(tmp_path)[0].email_confirmed_at is None  # opening the link alone confirms nothing
    done = rights_client.post(link)
    assert done.status_code == 200 and "Votre adresse est confirmée" in done.text
    assert rows(tmp_path)[0].email_confirmed_at is not None
    mails = wait_for_mail(maildir, 3)
    confirmed = [m for m in mails if ".confirmed@" in m["Message-ID"]]
    assert len(confirmed) == 1 and confirmed[0]["To"] == "dpo@clinique.example"
    assert rights_client.post(link).status_code == 200  # twice: no second mail
    time.sleep(0.3)
    assert len(maildir_messages(maildir)) == 3


def test_a_tampered_or_expired_link_is_refused(
    rights_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(rights_client, good_form())
    link = _confirm_link(tmp_path / "var" / "maildir")
    tampered = rights_client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert tampered.status_code == 400 and "Ce lien ne fonctionne pas" in tampered.text
    settings = load_settings(settings_env(tmp_path, tmp_path / "content"))
    clock = itsdangerous.timed.time  # type: ignore[attr-defined]
    with monkeypatch.context() as frozen:
        frozen.setattr(clock, "time", lambda: time.time_ns() / 1e9 - 15 * 86400)
        old = confirm_serializer(settings).dumps("some-nonce")
    assert rights_client.get(f"/rights/clinique/fr/confirm/{old}").status_code == 400
    assert rights_client.post(f"/rights/clinique/fr/confirm/{old}").status_code == 400


def test_only_the_link_as_sent_confirms(rights_client: TestClient, tmp_path: Path) -> None:
    post(rights_client, good_form())
    link = _confirm_link(tmp_path / "var" / "maildir")
    assert rights_client.get(link).status_code == 200
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # The same signature spelt otherwise: padded, in the standard alphabet, with the bits past its 160 changed.
    variants = [
        link + "%3D",
        link + "%3D%3D",
        link.replace("-", "%2B").replace("_", "%2F") + "%3D",
        link[:-1] + alphabet[alphabet.index(link[-1]) ^ 1],
        link[:-1] + alphabet[alphabet.index(link[-1]) ^ 2],
        link[:-10] + "%20" + link[-10:],
    ]
    answers = [rights_client.get(variant) for variant in variants]
    # 400, the page saying the link does not work; a "/" of the standard alphabet leaves the route (404).
    assert [answer.status_code for answer in answers if answer.status_code not in (400, 404)] == []
    assert all("Confirmer mon adresse" not in answer.text for answer in answers)


def test_a_link_signed_with_a_retired_key_still_works(
    make_client: Callable[..., TestClient], rights_content: Path, tmp_path: Path
) -> None:
    old_key = "old-key-" + "y" * 40
    first = make_client(rights_content, PRIVACY_SECRET_KEYS=old_key)
    post(first, good_form())
    link = _confirm_link(tmp_path / "var" / "maildir")
    rotated = make_client(rights_content, PRIVACY_SECRET_KEYS=f"new-key-{'z' * 40},{old_key}")
    assert "Confirmer mon adresse" in rotated.get(link).text
    dropped = make_client(rights_content, PRIVACY_SECRET_KEYS=f"new-key-{'z' * 40}")
    assert dropped.get(link).status_code == 400


def test_the_pages_are_valid_html(rights_client: TestClient, tmp_path: Path) -> None:
    from tests.support.quality import format_vnu_errors, vnu_check

    pages = [rights_client.get(FORM).text, post(rights_client, good_form(email="x", rights=[])).text]
    post(rights_client, good_form())
    pages.append(rights_client.get("/rights/clinique/fr/sent").text)
    link = _confirm_link(tmp_path / "var" / "maildir")
    pages += [rights_client.get(link).text, rights_client.post(link).text]
    errors = vnu_check(pages)
    assert errors == [], format_vnu_errors(errors)


def test_a_forged_host_is_refused_and_mails_link_to_the_configured_origin(
    make_settings: Callable[..., Any], rights_content: Path, tmp_path: Path
) -> None:
    from privacy.app import create_app

    settings = make_settings(rights_content, PRIVACY_PUBLIC_ORIGIN="https://privacy.hospital.example")
    with TestClient(create_app(settings), base_url="https://privacy.hospital.example") as client:
        forged = post(client, good_form(), host="hospital-login.evil.example")
        assert forged.status_code == 400 and rows(tmp_path) == []
        assert post(client, good_form()).status_code == 303
        ack = next(m for m in wait_for_mail(tmp_path / "var" / "maildir", 2) if "acknowledgment" in m["Message-ID"])
    links = re.findall(r"https?://[^\s/]+", ack.get_content())
    assert links and set(links) == {"https://privacy.hospital.example"}


def test_a_refused_name_is_given_back_as_typed(rights_client: TestClient) -> None:
    answer = post(rights_client, good_form(name="Ana\u200bDupont"))
    assert answer.status_code == 422
    assert 'value="Ana\u200bDupont"' in answer.text


def test_invisible_characters_in_the_details_are_kept_and_shown_to_the_dpo(
    rights_client: TestClient, tmp_path: Path
) -> None:
    # Free text may hold them for good reasons (a pasted document, Hebrew or Arabic): kept, and written out.
    details = "Copie de mon dossier \u2067\u05e9\u05dc\u05d5\u05dd\u2069\u200b"
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert post(rights_client, good_form(details=details, name=f"Ana {persian}")).status_code == 303
    assert rows(tmp_path)[0].details == details  # stored as sent
    dpo = next(m for m in wait_for_mail(tmp_path / "var" / "maildir", 2) if ".dpo@" in m["Message-ID"])
    body = dpo.get_content()
    assert (
        "Copie de mon dossier [U+2067 RIGHT-TO-LEFT ISOLATE]\u05e9\u05dc\u05d5\u05dd"
        "[U+2069 POP DIRECTIONAL ISOLATE][U+200B ZERO WIDTH SPACE]"
    ) in body
    [reply_to] = dpo["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == (f"Ana {persian}", "ana@example.fr")


def test_the_form_promises_only_what_the_sites_law_and_source_say(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    from tests.rights.conftest import form_notice

    gdpr = html.unescape(make_client(write_content(tmp_path / "gdpr", {"clinique": form_notice()})).get(FORM).text)
    assert "Nous répondons dans un délai d'un mois" in gdpr
    assert "notre délégué à la protection des données" in gdpr
    assert "N'envoyez aucune pièce d'identité" in gdpr

    moroccan = form_notice(jurisdiction={"laws": ["ma-09-08"], "authority": "cndp"}, dpo="none")
    moroccan["rights"] = {
        "offered": ["access", "rectification", "objection"],
        "channels": {"email": "dpo@clinique.example", "online_form": True},
        "request_retention": "1 year",
        "identity_proof": {"fr": "Joignez la copie de votre CIN.", "en": "Attach a copy of your ID card."},
    }
    page = html.unescape(make_client(write_content(tmp_path / "ma", {"clinique": moroccan})).get(FORM).text)
    # Law 09-08 names no general deadline: none is borrowed from the GDPR.
    assert "Nous répondons dans un délai" not in page
    # No DPO: the form does not speak of one.
    assert "délégué à la protection des données" not in page
    # The site asks for an identity document: the form does not say to send none.
    assert "Joignez la copie de votre CIN." in page and "N'envoyez aucun" not in page


def test_the_form_gives_a_rights_own_deadline(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    from tests.rights.conftest import form_notice

    notice = form_notice(
        jurisdiction={"laws": ["gdpr", "fr-informatique-libertes", "fr-sante-publique"], "authority": "cnil"}
    )
    notice["rights"]["offered"].append("medical_record_access")
    page = html.unescape(make_client(write_content(tmp_path / "c", {"clinique": notice})).get(FORM).text)
    assert "Accès à votre dossier médical\u00a0: nous répondons dans un délai de 8\u00a0jours." in page
    assert "Pour des informations datant de plus de 5\u00a0ans, dans un délai de 2\u00a0mois." in page, re.findall(
        r"Pour des informations[^<]*", page
    )


def test_the_form_shows_a_rights_own_channel(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    from tests.rights.conftest import form_notice

    notice = form_notice()
    notice["rights"]["per_right"] = {
        "erasure": {
            "url": "https://clinique.example/compte",
            "details": {"fr": "depuis votre espace personnel", "en": "from your personal space"},
        }
    }
    page = html.unescape(make_client(write_content(tmp_path / "c", {"clinique": notice})).get(FORM).text)
    assert (
        'Vous pouvez aussi exercer ce droit directement\u00a0: <a href="https://clinique.example/compte">'
        "https://clinique.example/compte</a> — depuis votre espace personnel"
    ) in page


def test_the_footer_says_how_long_a_request_is_kept_as_the_purge_does(rights_client: TestClient) -> None:
    # The site's own period (rights.request_retention: 1 year), counted from the close, as `requests purge` counts.
    footer = html.unescape(rights_client.get(FORM).text).split('<footer class="site-footer">')[1]
    assert "Votre demande est conservée 1\u00a0an après sa clôture" in footer
    assert "aussi longtemps que nécessaire" not in footer
    english = html.unescape(rights_client.get("/rights/clinique/en/").text)
    assert "Your request is kept for 1 year after it is closed" in english


def test_the_form_without_its_trailing_slash_redirects_as_the_notice_pages_do(rights_client: TestClient) -> None:
    answer = rights_client.get("/rights/clinique/fr", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (307, "/rights/clinique/fr/")
    assert rights_client.get("/rights/clinique/en?from=notice", follow_redirects=False).headers["location"] == (
        "/rights/clinique/en/?from=notice"
    )
    assert rights_client.get("/rights/nope/fr", follow_redirects=False).status_code == 404  # no site, no redirect
    assert rights_client.get("/rights/clinique/de", follow_redirects=False).status_code == 404


def test_the_form_asks_who_you_are_as_one_person(rights_client: TestClient) -> None:
    # “You are: Patients” read as a group; the option names one person of it.
    page = html.unescape(rights_client.get("/rights/clinique/en/").text)
    options = re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>', page)
    assert options == [("patients", "A patient"), ("other", "Other (please explain in the details)")]
    french = html.unescape(rights_client.get(FORM).text)
    assert '<option value="patients">Un patient ou une patiente</option>' in french


def test_the_identity_proof_is_said_once_in_the_sites_own_words(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    from tests.rights.conftest import form_notice

    rule = {"fr": "Joignez la copie d'une pièce d'identité.", "en": "Attach a copy of an identity document."}
    client = make_client(
        write_content(
            tmp_path / "content", {"clinique": form_notice(rights={**form_notice()["rights"], "identity_proof": rule})}
        )
    )
    form = html.unescape(client.get("/rights/clinique/en/").text)
    assert form.count("identity") == 2  # “Proof of identity:” and the site's rule, once each
    assert "reasonable doubt" not in form
    sent = post(client, good_form(), path="/rights/clinique/en/")
    assert sent.status_code == 303
    page = html.unescape(client.get(sent.headers["location"]).text)
    assert "Your reference" in page
    assert "reasonable doubt" not in page  # the site asks for a document: never “we may ask later”
