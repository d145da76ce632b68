"""The DPO's commands, called the way server.py calls them."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import server
from privacy.codes import Right
from privacy.command_line import server_command
from privacy.content import Site, load_content
from privacy.rights import cli, store
from privacy.rights.handling import Desk
from privacy.rights.request import RightsRequest
from privacy.settings import load_settings
from privacy.sqlite.database import connect
from privacy.stores import StoredRequest
from tests.factories import settings_env
from tests.rights.conftest import maildir_messages
from tests.support.storage import rights_register


@pytest.fixture
def desk(tmp_path: Path, rights_content: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    env = settings_env(tmp_path, rights_content)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    settings = load_settings(env)
    desk = Desk(settings, load_content(rights_content), rights_register(settings.database))
    yield desk
    desk.db.close()


def _receive(desk: Desk, site: Site | None, request: RightsRequest, when: datetime | None = None) -> str:
    assert site is not None
    with desk.db.transaction() as session:
        return desk.receive(site, request, "receipt", session, now=when).reference


def _close(desk: Desk, reference: str, now: datetime) -> bool:
    with desk.db.transaction() as session:
        return store.close(session, reference, now)


def _get(desk: Desk, reference: str) -> StoredRequest:
    with desk.db.transaction(reading=True) as session:
        return store.get(session, reference)


def _sql(desk: Desk) -> sqlite3.Connection:
    """A connection of the test's own to the register's file."""
    return connect(desk.settings.database)


@pytest.fixture
def received(desk: Desk) -> Callable[..., str]:
    def factory(when: datetime, name: str = "Ana Dupont", email: str = "ana@example.fr") -> str:
        site = desk.content.site("clinique")
        assert site is not None
        request = RightsRequest("clinique", "en", (Right.access,), name, email, "patients", f"details {when}", "")
        return _receive(desk, site, request, when)

    return factory


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = server.main(list(argv))
    return code, out.getvalue()


def test_the_list_puts_overdue_requests_first(desk: Desk, received: Callable[..., str]) -> None:
    now = datetime.now(UTC)
    recent = received(now - timedelta(days=2))
    late = received(now - timedelta(days=45), email="bob@example.fr")
    code, text = run("requests")
    assert code == 0
    lines = text.splitlines()
    assert lines[0].startswith("Référence")
    assert lines[1].startswith(late) and "EN RETARD" in lines[1]
    assert lines[2].startswith(recent) and "en cours" in lines[2]
    code, text = run("requests", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == [late, recent]
    assert "ana@example.fr" not in text and "Ana" not in text  # the register holds no personal data
    # A site that does not exist is an error naming those that do (item 7 of issue 17).
    assert run("requests", "--site", "nowhere")[0] == 2


def test_show_close_and_purge(desk: Desk, received: Callable[..., str]) -> None:
    reference = received(datetime.now(UTC))
    code, text = run("requests", "show", reference.lower().replace("-", " "))
    assert (
        code == 0
        and "ana@example.fr" in text
        and "au DPO\xa0: " in text
        and "accusé de réception au demandeur\xa0: " in text
    )
    assert run("requests", "show", "ZZZZ-ZZZZ-ZZZZ")[0] == 1
    code, text = run("requests", "close", reference, "--outcome", "granted")
    assert code == 0 and "1\xa0an" in text
    assert run("requests", "close", reference, "--outcome", "granted")[0] == 1
    # Not yet past the site's retention (1 year): nothing purged.
    assert cli.purge(desk, False, io.StringIO()) == 0
    assert _get(desk, reference).email == "ana@example.fr"
    later = date.today() + timedelta(days=367)
    out = io.StringIO()
    cli.purge(desk, False, out, today=later)
    assert reference in out.getvalue()
    purged = _get(desk, reference)
    assert (purged.name, purged.email, purged.details, purged.purged_at is not None) == (None, None, None, True)
    assert purged.rights and purged.received_at  # the accountability record stays
    with desk.db.transaction(reading=True) as session:
        assert session.outbox.of_request(reference) == []


def test_extend_tells_the_requester_why_and_moves_the_due_date(
    desk: Desk, received: Callable[..., str], tmp_path: Path
) -> None:
    when = datetime.now(UTC) - timedelta(days=3)
    reference = received(when)
    assert run("requests", "extend", reference, "--reason", "  ")[0] == 1
    code, _text = run("requests", "extend", reference, "--reason", "Dossier archivé sur un autre site")
    assert code == 0
    request = _get(desk, reference)
    assert request.extended_at is not None and request.due_on > when.date() + timedelta(days=85)
    assert run("requests", "extend", reference, "--reason", "encore")[0] == 1  # only once
    assert run("deliver")[0] == 0
    messages = maildir_messages(tmp_path / "var" / "maildir")
    notice = next(m for m in messages if ".extension@" in m["Message-ID"])
    assert notice["To"] == "ana@example.fr"
    assert "Dossier archivé sur un autre site" in notice.get_content()
    assert len(messages) == 3  # dpo, acknowledgment, extension


def test_an_overdue_request_cannot_be_extended(desk: Desk, received: Callable[..., str]) -> None:
    reference = received(datetime.now(UTC) - timedelta(days=40))
    code, text = run("requests", "extend", reference, "--reason", "trop tard")
    assert code == 1 and "a dépassé son échéance" in text


def test_deliver_reports_what_it_did(desk: Desk, received: Callable[..., str]) -> None:
    received(datetime.now(UTC))
    code, text = run("deliver")
    assert code == 0
    assert text.splitlines() == ["2 envoyé(s), 0 à réessayer, 0 en échec.", "Plus rien n'attend dans la boîte d'envoi."]


def test_deliver_says_what_waits_is_held_or_failed_and_exits_1(desk: Desk, received: Callable[..., str]) -> None:
    for n in range(4):
        received(datetime.now(UTC), email=f"p{n}@example.fr")
    later = datetime.now(UTC) + timedelta(minutes=20)
    ids = [row[0] for row in _sql(desk).execute("SELECT id FROM rights_outbox ORDER BY id")]
    # Waiting out a backoff, held by a delivery killed half-way, refused for good by the relay.
    _sql(desk).execute(
        "UPDATE rights_outbox SET next_attempt_at = ?, attempts = 2 WHERE id IN (?, ?, ?)",
        (later.isoformat(), *ids[:3]),
    )
    _sql(desk).execute("UPDATE rights_outbox SET leased_until = ? WHERE id IN (?, ?)", (later.isoformat(), *ids[3:5]))
    _sql(desk).execute(
        "UPDATE rights_outbox SET failed_at = ?, last_error = 'PermanentFailure 550' WHERE id = ?",
        (datetime.now(UTC).isoformat(), ids[5]),
    )
    code, text = run("deliver")
    assert code == 1
    lines = text.splitlines()
    assert lines[0] == "2 envoyé(s), 0 à réessayer, 0 en échec."
    assert lines[1] == f"3 courriel(s) en attente\u00a0; prochain essai le {later:%Y-%m-%d %H:%M:%S} UTC."
    assert lines[2].startswith(
        f"2 courriel(s) retenu(s) par un envoi en cours, ou arrêté en route, jusqu'au {later:%Y-%m-%d %H:%M:%S} UTC"
    )
    assert lines[3].startswith(f"1 courriel(s) en échec\u00a0: {server_command()} mail list")
    code, text = run("requests")
    assert code == 0 and "1 EN ÉCHEC" in text and "1 retenu(s)" in text and "2 envoyé(s)" in text
    code, text = run("mail")  # list, by default
    assert code == 0 and [line.split()[3] for line in text.splitlines()[1:]] == [
        "ÉCHEC",
        "en",
        "en",
        "en",
        "retenu",
        "retenu",
    ]
    # Once fixed, every failed or waiting mail goes at once; the held ones stay with the delivery holding them.
    code, text = run("mail", "retry", "--all")
    assert code == 1 and text.splitlines()[:2] == [
        "4 courriel(s) remis en file.",
        "4 envoyé(s), 0 à réessayer, 0 en échec.",
    ]
    assert text.splitlines()[2].startswith("2 courriel(s) retenu(s)")


def test_a_mail_refused_by_the_relay_is_listed_then_sent_once_fixed(
    desk: Desk, received: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller

    from tests.rights.conftest import Inbox
    from tests.support.quality import free_port

    class Relay(Inbox):
        refuse = True

        async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
            if self.refuse and address == "ana@example.fr":
                return "550 5.1.1 mailbox unavailable"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    relay = Relay()
    controller = Controller(relay, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        for name, value in {
            "PRIVACY_SMTP_HOST": "127.0.0.1",
            "PRIVACY_SMTP_PORT": str(controller.port),
            "PRIVACY_SMTP_SECURITY": "none",
        }.items():
            monkeypatch.setenv(name, value)
        reference = received(datetime.now(UTC))
        code, text = run("deliver")
        assert code == 1 and text.startswith("1 envoyé(s), 0 à réessayer, 1 en échec.")
        code, text = run("mail", "list")
        [header, row] = text.splitlines()
        assert header.split()[:4] == ["Courriel", "Référence", "Type", "État"]
        assert row.split()[1:5] == [reference, "acknowledgment", "ÉCHEC", "1"] and "PermanentFailure 550" in row
        assert "ana@example.fr" not in text
        mail_id = row.split()[0]
        assert "mail retry " + mail_id in run("requests", "show", reference)[1]
        assert run("mail", "retry", "999")[0] == 1
        relay.refuse = False  # the address, or the relay, is fixed
        code, text = run("mail", "retry", mail_id)
        assert code == 0
        assert text.splitlines() == [
            "1 courriel(s) remis en file.",
            "1 envoyé(s), 0 à réessayer, 0 en échec.",
            "Plus rien n'attend dans la boîte d'envoi.",
        ]
        assert run("mail", "retry", mail_id)[0] == 1  # already sent
    finally:
        controller.stop()
    assert sorted(rcpt for rcpts, _ in relay.messages for rcpt in rcpts) == ["ana@example.fr", "dpo@clinique.example"]


def test_the_running_server_purges_what_is_past_retention(desk: Desk, received: Callable[..., str]) -> None:
    from starlette.testclient import TestClient

    from privacy.app import create_app

    long_ago = datetime.now(UTC) - timedelta(days=800)
    old = received(long_ago)
    _close(desk, old, long_ago + timedelta(days=10))
    recent = received(datetime.now(UTC), email="bob@example.fr")
    _close(desk, recent, datetime.now(UTC))
    with TestClient(create_app(desk.settings, desk.content)):
        pass  # startup runs one purge pass before serving
    assert _get(desk, old).email is None
    assert _get(desk, recent).email == "bob@example.fr"


def test_show_writes_out_invisible_characters(desk: Desk) -> None:
    # Stored before the form refused them in names, or typed in the details, where they are kept.
    site = desk.content.site("clinique")
    assert site is not None
    request = RightsRequest(
        "clinique",
        "fr",
        (Right.access,),
        "\u202eelpmaxe.latipsoh@oec",
        "ana@example.fr",
        "patients",
        "ligne\u200b une\n\u2066deux\u2069",
        "P\u200d-12",
    )
    reference = _receive(desk, site, request)
    code, text = run("requests", "show", reference)
    assert code == 0
    assert "[U+202E RIGHT-TO-LEFT OVERRIDE]elpmaxe.latipsoh@oec" in text
    assert (
        "ligne[U+200B ZERO WIDTH SPACE] une\n[U+2066 LEFT-TO-RIGHT ISOLATE]deux[U+2069 POP DIRECTIONAL ISOLATE]" in text
    )
    assert "P[U+200D ZERO WIDTH JOINER]-12" in text
    assert not any(c in text for c in "\u202e\u200b\u2066\u2069\u200d")


# French typography: a no-break space (U+00A0, or the narrow U+202F) before : ; ! ? and inside « ». A colon
# followed by anything but a space or the line's end (a time, https://) is no punctuation.
_FRENCH_SPACING_MISSED = re.compile(r"(?<![\u00a0\u202f])[:;!?](?= |$)|(?<![\u00a0\u202f])»|«(?![\u00a0\u202f])")


def test_the_dpos_commands_follow_french_typography(desk: Desk, received: Callable[..., str]) -> None:
    now = datetime.now(UTC)
    reference = received(now - timedelta(days=3))
    late = received(now - timedelta(days=45), email="bob@example.fr")
    said = []
    for command in (
        ("requests",),
        ("requests", "show", reference),
        ("requests", "extend", reference, "--reason", "Dossier archivé sur un autre site"),
        ("requests", "ask-id", late),
        ("requests", "remind", "--dry-run"),
        ("mail", "list"),
        ("deliver",),
        ("requests", "show", reference),
        ("requests", "close", reference, "--outcome", "refused", "--reason", "Demande manifestement infondée"),
        ("requests", "history", reference),
        ("requests", "stats"),
        ("requests", "purge", "--dry-run"),
        ("requests", "show", "ZZZZ-ZZZZ-ZZZZ"),
        ("requests", "stats", "--site", "nowhere"),
    ):
        code, text = run(*command)
        assert code in (0, 1), (command, text)
        said += [(command[:2], line) for line in text.splitlines() if line.strip()]
    assert len(said) > 40
    assert [(command, line) for command, line in said if _FRENCH_SPACING_MISSED.search(line)] == []
