"""Delivery through a real SMTP server (aiosmtpd on loopback) and the Maildir default."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from privacy.content import load_content
from privacy.rights import mail, outbox
from privacy.rights.outbox import Mail, deliver_due, enqueue
from privacy.rights.transport import MaildirTransport, SmtpTransport
from privacy.settings import load_settings
from privacy.sqlite.backend import RightsSession, SqliteDatabase
from privacy.sqlite.database import connect
from privacy.stores import OutboxMail
from privacy.stores import RightsSession as Session
from tests.factories import settings_env, write_content
from tests.rights.conftest import Inbox, form_notice, maildir_messages, stored_request
from tests.support.quality import free_port
from tests.support.storage import rights_register

SENDER = "privacy@clinique.example"


def _site(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_content(write_content(tmp_path / "content", {"clinique": form_notice()})).sites[0]


def _bytes(composed: Mail) -> bytes:
    assert composed.message is not None, "a composed mail, not a draft"
    return composed.message


def _mail(tmp_path: Path, reference: str = "K7M4-QX9T-PW2R", name: str = "Ana Dupont") -> Mail:
    request = stored_request(reference=reference, name=name)
    return mail.to_dpo(_site(tmp_path), "dpo@clinique.example", SENDER, request, confirmed=False)


@dataclass
class Queued:
    """The outbox's database, and a connection of the test's own to look at its rows."""

    database: SqliteDatabase[RightsSession]
    sql: sqlite3.Connection


def _queue(tmp_path: Path, *mails: Mail) -> Queued:
    path = tmp_path / "var" / "privacy.sqlite3"
    database = rights_register(path)
    with database.transaction() as session:
        for m in mails:
            enqueue(session, m, datetime.now(UTC))
    return Queued(database, connect(path))


def _smtp_settings(tmp_path: Path, port: int, **extra: str):  # type: ignore[no-untyped-def]
    env = settings_env(
        tmp_path,
        tmp_path / "content",
        PRIVACY_SMTP_HOST="127.0.0.1",
        PRIVACY_SMTP_PORT=str(port),
        PRIVACY_SMTP_SECURITY="none",
        **extra,
    )
    return load_settings(env)


def _make_due_now(db: Queued) -> None:
    db.sql.execute("UPDATE rights_outbox SET next_attempt_at = ?", (datetime.now(UTC).isoformat(),))


def test_a_mail_reaches_a_real_smtp_server(tmp_path: Path, smtp_server: tuple[Controller, Inbox]) -> None:
    controller, inbox = smtp_server
    db = _queue(tmp_path, _mail(tmp_path))
    result = asyncio.run(deliver_due(db.database, SmtpTransport(_smtp_settings(tmp_path, controller.port)), SENDER))
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    [(recipients, message)] = inbox.messages
    assert recipients == ["dpo@clinique.example"]
    assert message["Message-ID"] == "<K7M4-QX9T-PW2R.dpo@clinique.example>"
    assert message["Reply-To"] == "Ana Dupont <ana@example.fr>"
    assert "K7M4-QX9T-PW2R" in message["Subject"]
    body = message.get_content()
    for expected in ("Copie de mon dossier", "31 janvier 2025", "28 février 2025", "pas encore", "ana@example.fr"):
        assert expected in body
    # Sent: the copy of the personal data in the outbox is dropped.
    assert db.sql.execute("SELECT message FROM rights_outbox").fetchone()[0] is None


def test_smtp_down_then_up_queues_then_delivers_exactly_once(tmp_path: Path) -> None:
    port = free_port()
    settings = _smtp_settings(tmp_path, port)
    db = _queue(tmp_path, _mail(tmp_path))
    down = asyncio.run(deliver_due(db.database, SmtpTransport(settings, timeout=2), SENDER))
    assert (down.sent, down.retrying) == (0, 1)
    row = db.sql.execute("SELECT attempts, last_error, next_attempt_at, sent_at FROM rights_outbox").fetchone()
    assert row["attempts"] == 1 and row["sent_at"] is None and "ana@" not in row["last_error"]
    # Not due yet: the backoff holds it back.
    assert asyncio.run(deliver_due(db.database, SmtpTransport(settings), SENDER)).sent == 0
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _make_due_now(db)
        assert asyncio.run(deliver_due(db.database, SmtpTransport(settings), SENDER)).sent == 1
        _make_due_now(db)
        assert asyncio.run(deliver_due(db.database, SmtpTransport(settings), SENDER)).sent == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def _smtp_requiring_login(inbox: Inbox, authenticator: object) -> Controller:
    """A started loopback SMTP server that requires AUTH (plain text: it has no certificate)."""
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    return controller


# Plain-text AUTH on loopback only: the test server has no certificate.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_an_authentication_failure_is_retried_not_lost(tmp_path: Path) -> None:
    def reject(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        return AuthResult(success=False, handled=False)

    inbox = Inbox()
    controller = _smtp_requiring_login(inbox, reject)
    try:
        settings = _smtp_settings(
            tmp_path, controller.port, PRIVACY_SMTP_USERNAME="dpo-relay", PRIVACY_SMTP_PASSWORD="wrong"
        )
        db = _queue(tmp_path, _mail(tmp_path))
        result = asyncio.run(deliver_due(db.database, SmtpTransport(settings), SENDER))
    finally:
        controller.stop()
    assert (result.sent, result.retrying) == (0, 1)
    assert inbox.messages == []
    row = db.sql.execute("SELECT last_error, sent_at, failed_at FROM rights_outbox").fetchone()
    assert row["last_error"].startswith("SMTPAuthenticationError") and row["sent_at"] is None


# Plain-text AUTH on loopback only: the test server has no certificate.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_an_accepted_login_delivers(tmp_path: Path) -> None:
    def accept(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        return AuthResult(success=auth_data.login == b"dpo-relay" and auth_data.password == b"secret")

    inbox = Inbox()
    controller = _smtp_requiring_login(inbox, accept)
    try:
        settings = _smtp_settings(
            tmp_path, controller.port, PRIVACY_SMTP_USERNAME="dpo-relay", PRIVACY_SMTP_PASSWORD="secret"
        )
        db = _queue(tmp_path, _mail(tmp_path))
        assert asyncio.run(deliver_due(db.database, SmtpTransport(settings), SENDER)).sent == 1
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_the_maildir_default_never_holds_a_mail_twice(tmp_path: Path) -> None:
    maildir = tmp_path / "var" / "maildir"
    db = _queue(tmp_path, _mail(tmp_path), _mail(tmp_path, reference="ABCD-EFGH-JKMN"))
    transport = MaildirTransport(maildir)
    assert asyncio.run(deliver_due(db.database, transport, SENDER)).sent == 2
    # A crash after the file was written but before the row was marked sent: handed over again.
    first = _mail(tmp_path)
    asyncio.run(transport.send(first.message_id, SENDER, first.recipient, _bytes(first), again=True))
    # And a mail client that has read it (moved to cur/ with flags).
    new = sorted((maildir / "new").iterdir())[0]
    new.rename(maildir / "cur" / f"{new.name}:2,S")
    for m in (_mail(tmp_path), _mail(tmp_path, reference="ABCD-EFGH-JKMN")):
        asyncio.run(transport.send(m.message_id, SENDER, m.recipient, _bytes(m), again=True))
    ids = sorted(str(m["Message-ID"]) for m in maildir_messages(maildir))
    assert ids == ["<ABCD-EFGH-JKMN.dpo@clinique.example>", "<K7M4-QX9T-PW2R.dpo@clinique.example>"]
    assert list((maildir / "tmp").iterdir()) == []


def test_each_mail_reaches_the_disk_and_is_recorded_as_sent_before_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []

    class Watched(MaildirTransport):
        def _deliver(self, message_id: str, message: bytes, again: bool) -> None:
            super()._deliver(message_id, message, again)
            events.append("written")

        def _sync_new(self) -> None:
            super()._sync_new()
            events.append("folder synced")

    record = outbox._record

    def recorded(*args: Any, **kwargs: Any) -> Any:
        events.append("recorded")
        return record(*args, **kwargs)

    monkeypatch.setattr(outbox, "_record", recorded)
    db = _queue(tmp_path, _mail(tmp_path), _mail(tmp_path, reference="ABCD-EFGH-JKMN"))
    assert asyncio.run(deliver_due(db.database, Watched(tmp_path / "var" / "maildir"), SENDER)).sent == 2
    # A mail is on disk (its file, then the folder that names it) before it is recorded, and recorded before
    # the next one goes: a crash re-sends at most the mail in flight.
    assert events == ["written", "folder synced", "recorded"] * 2


class Crash(BaseException):
    """What a SIGKILL does to a pass: it stops between two statements, and nothing after runs."""


def test_a_crash_mid_pass_resends_at_most_the_mail_in_flight(
    tmp_path: Path, smtp_server: tuple[Controller, Inbox]
) -> None:
    controller, inbox = smtp_server
    mails = [_mail(tmp_path, reference=f"AAAA-BBBB-CCC{n}") for n in range(2, 6)]
    db = _queue(tmp_path, *mails)

    class DiesAfterTheThirdAcceptance(SmtpTransport):
        async def send(self, *args: object, **kwargs: object) -> None:
            await super().send(*args, **kwargs)  # type: ignore[arg-type]
            if len(inbox.messages) == 3:
                raise Crash  # accepted by the relay, never recorded

    transport = DiesAfterTheThirdAcceptance(_smtp_settings(tmp_path, controller.port), timeout=5)
    claimed_at = datetime.now(UTC)
    with pytest.raises(Crash):
        asyncio.run(deliver_due(db.database, transport, SENDER))
    rows = db.sql.execute("SELECT sent_at, leased_until FROM rights_outbox ORDER BY id").fetchall()
    assert [row["sent_at"] is not None for row in rows] == [True, True, False, False]
    # What the dead pass still holds is held for one mail's time limit, not the batch's.
    for row in rows[2:]:
        assert datetime.fromisoformat(row["leased_until"]) <= claimed_at + transport.lease + timedelta(seconds=5)
    db.sql.execute("UPDATE rights_outbox SET leased_until = ? WHERE sent_at IS NULL", (datetime.now(UTC).isoformat(),))
    assert asyncio.run(deliver_due(db.database, SmtpTransport(transport.settings), SENDER)).sent == 2
    ids = [str(message["Message-ID"]) for _, message in inbox.messages]
    assert sorted(set(ids)) == sorted(m.message_id for m in mails)
    assert len(ids) == len(mails) + 1  # the one in flight, once more


def test_a_restarted_worker_retries_at_once_what_was_waiting(tmp_path: Path) -> None:
    db = _queue(tmp_path, _mail(tmp_path))
    later = datetime.now(UTC) + timedelta(hours=2)
    db.sql.execute(
        "UPDATE rights_outbox SET attempts = 5, last_error = 'SMTPConnectError', next_attempt_at = ?",
        (later.isoformat(),),
    )
    maildir = tmp_path / "var" / "maildir"

    async def serve() -> None:
        worker = outbox.Worker(db.database, MaildirTransport(maildir), SENDER)
        worker.start()
        try:
            for _ in range(500):  # bounded: the first pass comes at once
                if db.sql.execute("SELECT sent_at FROM rights_outbox").fetchone()[0]:
                    return
                await asyncio.sleep(0.01)
        finally:
            await worker.stop()

    asyncio.run(serve())
    assert db.sql.execute("SELECT sent_at FROM rights_outbox").fetchone()[0] is not None
    assert len(maildir_messages(maildir)) == 1


def test_a_pass_that_crashed_after_handing_over_is_not_repeated(tmp_path: Path) -> None:
    maildir = tmp_path / "var" / "maildir"
    mail = _mail(tmp_path)
    db = _queue(tmp_path, mail)
    transport = MaildirTransport(maildir)
    # The crashed pass: it leased the mail, delivered it, and died before recording it as sent ...
    claimed = outbox._claim(db.database, datetime.now(UTC), 5, transport.lease)
    asyncio.run(transport.send(mail.message_id, SENDER, mail.recipient, _bytes(mail)))
    # ... and the person's mail client has read it since (moved to cur/ with flags).
    delivered = next((maildir / "new").iterdir())
    delivered.rename(maildir / "cur" / f"{delivered.name}:2,S")
    db.sql.execute(
        "UPDATE rights_outbox SET leased_until = ? WHERE id = ?", ("2000-01-01T00:00:00+00:00", claimed[0].id)
    )
    assert asyncio.run(deliver_due(db.database, transport, SENDER)).sent == 1  # recorded, not written a second time
    assert [str(m["Message-ID"]) for m in maildir_messages(maildir)] == [mail.message_id]


def test_a_draft_is_composed_once_and_its_bytes_kept_for_every_retry(tmp_path: Path) -> None:
    built = _mail(tmp_path)
    draft = Mail(built.message_id, built.reference, "dpo", built.recipient, None, draft="{}")
    db = _queue(tmp_path, draft)
    composed: list[str] = []

    def compose(row: OutboxMail, session: Session) -> bytes:
        composed.append(row.kind)
        assert built.message is not None
        return built.message

    class Refusing(MaildirTransport):
        async def send(self, *args: object, **kwargs: object) -> None:
            raise OSError("disk full")

    maildir = tmp_path / "var" / "maildir"
    assert asyncio.run(deliver_due(db.database, Refusing(maildir), SENDER, compose=compose)).retrying == 1
    db.sql.execute("UPDATE rights_outbox SET next_attempt_at = ?", (datetime.now(UTC).isoformat(),))
    assert asyncio.run(deliver_due(db.database, MaildirTransport(maildir), SENDER, compose=compose)).sent == 1
    assert composed == ["dpo"]  # composed before the first attempt only
    assert [str(m["Message-ID"]) for m in maildir_messages(maildir)] == [built.message_id]


def test_a_draft_that_cannot_be_composed_is_retried_then_reported_not_lost(tmp_path: Path) -> None:
    db = _queue(
        tmp_path, Mail("<X.dpo@clinique.example>", "NOPE-NOPE-NOPE", "dpo", "dpo@clinique.example", None, draft="{}")
    )

    def compose(row: OutboxMail, session: Session) -> bytes:
        raise LookupError("the request is gone")

    result = asyncio.run(deliver_due(db.database, MaildirTransport(tmp_path / "maildir"), SENDER, compose=compose))
    assert (result.sent, result.retrying) == (0, 1)
    row = db.sql.execute("SELECT attempts, last_error, draft, sent_at FROM rights_outbox").fetchone()
    assert (row["attempts"], row["last_error"], row["draft"], row["sent_at"]) == (1, "LookupError", "{}", None)


def test_a_name_with_line_breaks_cannot_add_a_header(tmp_path: Path) -> None:
    injected = _mail(tmp_path, name="Ana\r\nBcc: victim@example.org\r\nSubject: pwned")
    text = _bytes(injected).decode()
    headers = text.split("\n\n", 1)[0]
    assert "\nBcc:" not in headers and "\nSubject: pwned" not in headers
    assert headers.count("\nSubject:") == 1


def test_backoff_doubles_up_to_a_ceiling() -> None:
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(40) == outbox.MAX_DELAY


def test_a_stopping_worker_records_the_mail_in_flight_and_lets_go_of_the_rest(tmp_path: Path) -> None:
    db = _queue(tmp_path, *(_mail(tmp_path, reference=f"AAAA-BBBB-CCC{n}") for n in range(2, 6)))
    maildir = tmp_path / "var" / "maildir"

    class Slow(MaildirTransport):
        started = asyncio.Event()

        async def send(self, *args: object, **kwargs: object) -> None:
            self.started.set()
            await asyncio.sleep(0.2)  # still handing the first mail over when the server stops
            await super().send(*args, **kwargs)  # type: ignore[arg-type]

    async def serve_then_stop() -> None:
        worker = outbox.Worker(db.database, Slow(maildir), SENDER)
        worker.start()
        await Slow.started.wait()
        await worker.stop()

    asyncio.run(serve_then_stop())
    rows = db.sql.execute("SELECT sent_at, leased_until FROM rights_outbox ORDER BY id").fetchall()
    assert [row["sent_at"] is not None for row in rows] == [True, False, False, False]
    assert [row["leased_until"] for row in rows[1:]] == [None, None, None]  # the next start sends them at once
    assert len(maildir_messages(maildir)) == 1
