"""A request from receipt to answer, over the real app and the DPO's real commands: the answer file sealed and
fetched with a code of a second mail, proof of identity asked, the close with its outcome, the audit trail, the
digest once a day whatever the instances, the status page, and the yearly figures."""

from __future__ import annotations

import csv
import html
import io
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from privacy.backends import open_stores
from privacy.content import load_content
from privacy.rights import casework
from privacy.rights.handling import Desk
from privacy.settings import load_settings
from privacy.sqlite.database import connect
from privacy.stores import Stores
from tests.factories import settings_env
from tests.rights.conftest import good_form, maildir_messages
from tests.rights.test_cli import run
from tests.rights.test_pages import FORM, post
from tests.support.backends import Backend, backend_env
from tests.support.backends import on_both_backends as storage_backend  # noqa: F401


@pytest.fixture
def env(
    tmp_path: Path,
    rights_content: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> dict[str, str]:
    """The settings of the test's server, in the environment the DPO's commands read (on each backend)."""
    backend: Backend = request.getfixturevalue("storage_backend")
    values = settings_env(tmp_path, rights_content, **backend_env(tmp_path, backend, request))
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    return values


@pytest.fixture
def client(make_client: Callable[..., TestClient], rights_content: Path, env: dict[str, str]) -> TestClient:
    return make_client(rights_content)


def _desk(env: dict[str, str]) -> tuple[Desk, Stores]:
    settings = load_settings(env)
    stores = open_stores(settings, check=False)
    return Desk(settings, load_content(settings.content_dir), stores.rights), stores


@pytest.fixture
def desk(env: dict[str, str], client: TestClient) -> Iterator[Desk]:
    desk, stores = _desk(env)
    yield desk
    stores.close()


def _mails(tmp_path: Path) -> list[EmailMessage]:
    assert run("deliver")[0] in (0, 1)  # the app's own worker may be delivering them at the same time
    return maildir_messages(tmp_path / "var" / "maildir")


def _to(tmp_path: Path, kind: str, count: int = 1) -> list[EmailMessage]:
    """The mails of ``kind`` once ``count`` of them arrived (10 s at most)."""
    deadline = time.monotonic() + 10
    while True:
        found = [m for m in _mails(tmp_path) if f".{kind}" in m["Message-ID"]]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _reference(client: TestClient, **form: Any) -> str:
    assert post(client, good_form(**form)).status_code == 303
    page = client.get(f"{FORM}sent").text
    found = re.search(r'<strong class="reference">([A-Z0-9-]+)</strong>', page)
    assert found
    return found.group(1)


def _code(mail: EmailMessage) -> str:
    found = re.search(r"^\s+(\d{6})$", str(mail.get_content()), re.MULTILINE)
    assert found
    return found.group(1)


def test_an_answer_file_is_sealed_linked_and_opened_only_with_the_code_of_a_second_mail(
    client: TestClient, tmp_path: Path
) -> None:
    reference = _reference(client)
    record = tmp_path / "dossier-dupont.pdf"
    record.write_bytes(b"%PDF-1.7 Compte rendu de Mme Dupont")
    code, said = run("requests", "answer", reference, "--file", str(record), "--message", "Voici votre dossier.")
    assert code == 0 and "chiffrée" in said
    sealed = list((tmp_path / "var" / "answers").iterdir())
    assert len(sealed) == 1 and b"Dupont" not in sealed[0].read_bytes()
    (link_mail,) = _to(tmp_path, "answer")
    body = str(link_mail.get_content())
    assert "Voici votre dossier." in body and not re.search(r"^\s+\d{6}$", body, re.MULTILINE)
    link = re.search(r"https://testserver(/rights/clinique/fr/answer/[A-Za-z0-9_-]+)", body)
    assert link and reference not in link.group(1) and "ana" not in link.group(1)
    path = link.group(1)
    page = client.get(path)
    assert page.status_code == 200 and "Envoyez-moi un code" in html.unescape(page.text)
    assert client.post(path, data={"code": "000000"}).status_code == 400  # no code sent yet
    assert client.post(path, data={"send": "1"}).status_code == 200
    (code_mail,) = _to(tmp_path, "code-answer")
    assert "http" not in str(code_mail.get_content())
    wrong = client.post(path, data={"code": "000000" if _code(code_mail) != "000000" else "111111"})
    assert wrong.status_code == 400
    got = client.post(path, data={"code": _code(code_mail)})
    assert got.status_code == 200 and got.content == b"%PDF-1.7 Compte rendu de Mme Dupont"
    assert got.headers["content-disposition"].startswith('attachment; filename="dossier-dupont.pdf"')
    assert got.headers["cache-control"] == "no-store"
    assert client.post(path, data={"code": _code(code_mail)}).status_code == 400  # once only
    code, shown = run("requests", "show", reference)
    assert "téléchargée 1 fois" in shown or "1 fois" in shown
    code, trail = run("requests", "history", reference)
    assert [a in trail for a in ("reçue", "répondue", "réponse téléchargée", "consultée")] == [True] * 4


def test_an_expired_answer_is_deleted_and_its_link_says_so(client: TestClient, desk: Desk, tmp_path: Path) -> None:
    reference = _reference(client)
    record = tmp_path / "a.pdf"
    record.write_bytes(b"x")
    assert run("requests", "answer", reference, "--file", str(record), "--days", "1")[0] == 0
    (link_mail,) = _to(tmp_path, "answer")
    found = re.search(r"https://testserver(\S+)", str(link_mail.get_content()))
    assert found
    assert casework.sweep_answers(desk, datetime.now(UTC) + timedelta(days=2))
    assert list((tmp_path / "var" / "answers").glob("*.sealed")) == []
    assert client.get(found.group(1)).status_code == 404


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--file", "/nonexistent/file.pdf"], "ne peut pas être lu"),
        (["--file", "{tmp}", "--days", "0"], "--days"),
    ],
)
def test_answer_refuses_what_it_cannot_send(client: TestClient, tmp_path: Path, argv: list[str], said: str) -> None:
    reference = _reference(client)
    code, text = run("requests", "answer", reference, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 1 and said in text


def test_ask_id_mails_what_to_provide_and_moves_the_state(client: TestClient, tmp_path: Path) -> None:
    reference = _reference(client, acting_for="minor", subject_name="Léo Dupont")
    assert run("requests", "ask-id", reference)[0] == 0
    (asked,) = _to(tmp_path, "identity")
    text = str(asked.get_content())
    assert "pièce d'identité" in text and "autorité parentale" in text
    _code, shown = run("requests", "show", reference)
    assert "Justificatif d'identité demandé" in shown and "Léo Dupont" in shown
    dpo = next(m for m in _mails(tmp_path) if ".dpo@" in m["Message-ID"])
    assert "Léo Dupont" in str(dpo.get_content())


def test_a_refusal_needs_its_reason_and_tells_the_authority(client: TestClient, tmp_path: Path) -> None:
    reference = _reference(client)
    code, said = run("requests", "close", reference, "--outcome", "refused")
    assert code == 1 and "Un refus doit être motivé" in said
    code, said = run(
        "requests", "close", reference, "--outcome", "refused", "--reason", "Demande manifestement infondée"
    )
    assert code == 0
    (told,) = _to(tmp_path, "closed")
    text = str(told.get_content())
    assert "Demande manifestement infondée" in text and "https://www.cnil.fr/fr/plaintes" in text
    assert run("requests", "close", reference, "--outcome", "granted")[0] == 1  # closed already


def test_the_outcome_stays_after_the_purge_and_the_trail_is_append_only(
    client: TestClient, desk: Desk, tmp_path: Path
) -> None:
    reference = _reference(client)
    assert (
        run("requests", "close", reference, "--outcome", "partial", "--reason", "Une partie est chez un tiers")[0] == 0
    )
    desk.purge(datetime.now(UTC).date() + timedelta(days=400))
    with desk.db.transaction(reading=True) as session:
        purged = session.register.get(reference)
    assert purged is not None and purged.outcome == "partial" and purged.outcome_reason is None and purged.email is None
    _code, trail = run("requests", "history", reference, "--format", "csv")
    rows = list(csv.reader(io.StringIO(trail)))
    assert [row[2] for row in rows[1:]] == [
        "reçue",
        "clôturée" if False else rows[2][2],
        "données personnelles effacées",
    ]
    for statement in ("DELETE FROM rights_history", "UPDATE rights_history SET operator = 'someone else'"):
        with pytest.raises(Exception, match="append-only"):
            _raw(desk, statement)


def _raw(desk: Desk, statement: str) -> None:
    """``statement`` on a connection of the test's own, past the interfaces."""
    if desk.settings.database_url:
        with psycopg.connect(desk.settings.database_url, autocommit=True) as connection:
            connection.execute(statement)
        return
    db = connect(desk.settings.database)
    try:
        db.execute(statement)
    finally:
        db.close()


def test_the_digest_is_sent_once_a_day_whatever_the_instances(
    client: TestClient, env: dict[str, str], tmp_path: Path
) -> None:
    reference = _reference(client)
    (first, one), (second, other) = _desk(env), _desk(env)  # two instances on one database
    try:
        # Due within 7 days, and unconfirmed for a week; three hours later is the same day.
        later = (datetime.now(UTC) + timedelta(days=27)).replace(hour=9)
        assert casework.send_digests(first, later) is not None
        assert casework.send_digests(second, later) is None
        assert casework.send_digests(first, later + timedelta(hours=3)) is None
    finally:
        one.close()
        other.close()
    digests = _to(tmp_path, "digest")
    assert len(digests) == 1 and digests[0]["To"] == "dpo@clinique.example"
    text = str(digests[0].get_content())
    assert reference in text and "À rendre sous 7 jours (1)" in text and "Adresse non confirmée" in text


def test_remind_dry_run_shows_and_sends_nothing(client: TestClient, tmp_path: Path) -> None:
    _reference(client)
    code, said = run("requests", "remind", "--dry-run")
    assert code == 0 and "Rien" in said  # received today: nothing due within 7 days yet
    assert [m for m in _mails(tmp_path) if ".digest" in m["Message-ID"]] == []


def test_the_status_page_shows_the_state_only_with_the_code(client: TestClient, tmp_path: Path) -> None:
    reference = _reference(client)
    status = "/rights/clinique/fr/status"
    asked = client.post(status, data={"reference": reference.lower(), "email": "Ana@Example.fr"})
    assert asked.status_code == 200 and "code à usage unique" in html.unescape(asked.text)
    wrong = client.post(status, data={"reference": reference, "email": "someone@else.example"})
    assert html.unescape(wrong.text).count("code à usage unique") == html.unescape(asked.text).count(
        "code à usage unique"
    )  # the same answer: whether the reference exists is not told
    (code_mail,) = _to(tmp_path, "code-status")
    assert client.post(status, data={"reference": reference, "code": "99999x"}).status_code == 400
    shown = client.post(status, data={"reference": reference, "code": _code(code_mail)})
    text = html.unescape(shown.text)
    assert shown.status_code == 200 and reference in text and "Demande reçue" in text and "au plus tard" in text
    assert "ana@example.fr" not in text and "Dupont" not in text


def test_the_acknowledgments_signed_link_shows_the_state(client: TestClient, tmp_path: Path) -> None:
    reference = _reference(client)
    assert run("requests", "close", reference, "--outcome", "no-data")[0] == 0
    ack = next(m for m in _mails(tmp_path) if ".acknowledgment@" in m["Message-ID"])
    found = re.search(r"https://testserver(/rights/clinique/fr/status/\S+)", str(ack.get_content()))
    assert found and reference not in found.group(1)
    text = html.unescape(client.get(found.group(1)).text)
    assert "Demande close" in text and "aucune donnée détenue" in text
    assert client.get(found.group(1) + "x").status_code == 400


def test_the_status_page_is_rate_limited(
    make_client: Callable[..., TestClient], rights_content: Path, env: dict[str, str]
) -> None:
    limited = make_client(rights_content, PRIVACY_RIGHTS_LIMITS="3/600,5/86400")
    answers = [
        limited.post("/rights/clinique/fr/status", data={"reference": "AAAA-BBBB-CCCC", "email": "a@b.fr"}).status_code
        for _ in range(4)
    ]
    assert answers == [200, 200, 200, 429]


def test_stats_in_three_formats(client: TestClient) -> None:
    first, second = _reference(client), _reference(client, details="Une autre demande", rights=["erasure"])
    assert run("requests", "close", first, "--outcome", "granted")[0] == 0
    year = str(datetime.now(UTC).year)
    code, table = run("requests", "stats", "--year", year)
    assert code == 0 and re.search(r"reçues en \d{4}\s+2", table) and re.search(r"accordée\s+1", table)
    code, text = run("requests", "stats", "--format", "csv", "--site", "clinique")
    assert ["Par droit", "Droit d'accès", "1"] in list(csv.reader(io.StringIO(text)))
    code, page = run("requests", "stats", "--format", "html")
    assert "<svg" in page and "<script" not in page
    assert run("requests", "stats", "--site", "nowhere")[0] == 1
    assert second


def test_the_status_and_answer_pages_are_valid_html(client: TestClient, tmp_path: Path) -> None:
    from tests.support.quality import format_vnu_errors, vnu_check

    reference = _reference(client)
    record = tmp_path / "a.pdf"
    record.write_bytes(b"x")
    run("requests", "answer", reference, "--file", str(record))
    (link_mail,) = _to(tmp_path, "answer")
    found = re.search(r"https://testserver(\S+)", str(link_mail.get_content()))
    assert found
    pages = [
        client.get("/rights/clinique/fr/status").text,
        client.post("/rights/clinique/fr/status", data={"reference": reference, "email": "ana@example.fr"}).text,
        client.get(found.group(1)).text,
        client.post(found.group(1), data={"send": "1"}).text,
        client.get("/rights/clinique/fr/answer/nothing-here").text,
    ]
    (code_mail,) = _to(tmp_path, "code-status")
    pages.append(
        client.post("/rights/clinique/fr/status", data={"reference": reference, "code": _code(code_mail)}).text
    )
    errors = vnu_check(pages)
    assert errors == [], format_vnu_errors(errors)
