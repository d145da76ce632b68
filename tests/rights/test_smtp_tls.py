"""Mail over TLS: a real SMTP server (aiosmtpd on loopback) with a certificate from a test authority (trustme).

Rights requests carry health-related personal data: the server's certificate is verified, a server that offers
no STARTTLS is not written to in clear, and a mail that cannot go safely stays in the outbox.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller

from privacy.rights.outbox import deliver_due
from privacy.rights.transport import SmtpTransport
from privacy.settings import Settings, SettingsError, load_settings
from tests.factories import PRODUCTION, settings_env
from tests.rights.conftest import Inbox
from tests.rights.test_delivery import SENDER, _mail, _queue
from tests.support.quality import free_port


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA(organization_name="Test authority of an imaging centre")


@pytest.fixture
def authority_file(authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "internal-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


def _server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def _smtp_server(inbox: Inbox, **tls: Any) -> Iterator[Controller]:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **tls)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(authority: trustme.CA) -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    for controller in _smtp_server(inbox, tls_context=_server_context(authority), require_starttls=True):
        yield controller, inbox


def _settings(tmp_path: Path, port: int, security: str, **extra: str) -> Settings:
    return load_settings(
        settings_env(
            tmp_path,
            tmp_path / "content",
            PRIVACY_SMTP_HOST="127.0.0.1",
            PRIVACY_SMTP_PORT=str(port),
            PRIVACY_SMTP_SECURITY=security,
            **extra,
        )
    )


def _deliver(tmp_path: Path, settings: Settings) -> Any:
    db = _queue(tmp_path, _mail(tmp_path))
    return db.sql, asyncio.run(deliver_due(db.database, SmtpTransport(settings, timeout=5), SENDER))


def test_starttls_to_a_server_signed_by_a_trusted_authority(
    tmp_path: Path, starttls_server: tuple[Controller, Inbox], authority_file: Path
) -> None:
    controller, inbox = starttls_server
    _, result = _deliver(
        tmp_path, _settings(tmp_path, controller.port, "starttls", PRIVACY_SMTP_CA_FILE=str(authority_file))
    )
    assert (result.sent, result.retrying) == (1, 0)
    [(recipients, message)] = inbox.messages
    assert recipients == ["dpo@clinique.example"] and "K7M4-QX9T-PW2R" in message["Subject"]


def test_a_certificate_from_an_unknown_authority_holds_the_mail(
    tmp_path: Path, starttls_server: tuple[Controller, Inbox]
) -> None:
    controller, inbox = starttls_server
    db, result = _deliver(tmp_path, _settings(tmp_path, controller.port, "starttls"))  # the system's authorities only
    assert (result.sent, result.retrying) == (0, 1)
    assert inbox.messages == []
    row = db.execute("SELECT last_error, sent_at, message FROM rights_outbox").fetchone()
    assert row["sent_at"] is None and row["message"] is not None and "ana@" not in row["last_error"]
    assert row["last_error"] == "SSLCertVerificationError"


def test_a_server_without_starttls_is_not_written_to_in_clear(tmp_path: Path, authority_file: Path) -> None:
    inbox = Inbox()
    for controller in _smtp_server(inbox):
        db, result = _deliver(
            tmp_path, _settings(tmp_path, controller.port, "starttls", PRIVACY_SMTP_CA_FILE=str(authority_file))
        )
    assert (result.sent, result.retrying) == (0, 1)
    assert inbox.messages == []
    assert db.execute("SELECT last_error FROM rights_outbox").fetchone()[0] == "SMTPException"


def test_implicit_tls(tmp_path: Path, authority: trustme.CA, authority_file: Path) -> None:
    inbox = Inbox()
    for controller in _smtp_server(inbox, ssl_context=_server_context(authority)):
        _, result = _deliver(
            tmp_path, _settings(tmp_path, controller.port, "tls", PRIVACY_SMTP_CA_FILE=str(authority_file))
        )
    assert result.sent == 1 and len(inbox.messages) == 1


def test_a_certificate_file_that_cannot_serve_is_said_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot be read"):
        _settings(tmp_path, 587, "starttls", PRIVACY_SMTP_CA_FILE=str(tmp_path / "missing.pem"))
    (tmp_path / "notes.pem").write_text("not a certificate", encoding="utf-8")
    with pytest.raises(SettingsError, match="no certificate in PEM form"):
        _settings(tmp_path, 587, "starttls", PRIVACY_SMTP_CA_FILE=str(tmp_path / "notes.pem"))


def test_production_sends_in_clear_only_to_a_relay_on_this_machine(tmp_path: Path) -> None:
    env = settings_env(tmp_path, tmp_path / "content", **{**PRODUCTION, "PRIVACY_SMTP_SECURITY": "none"})
    with pytest.raises(SettingsError, match=r"unencrypted to smtp\.hospital\.example"):
        load_settings(env, PRIVACY_SMTP_HOST="smtp.hospital.example")
    assert load_settings(env, PRIVACY_SMTP_HOST="localhost").smtp_security == "none"
    assert load_settings(env, PRIVACY_SMTP_HOST="smtp.hospital.example", PRIVACY_SMTP_SECURITY="starttls")
