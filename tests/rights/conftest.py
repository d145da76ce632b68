"""Fixtures for the rights feature: a form-enabled site, a posted form, a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session
from starlette.testclient import TestClient

from privacy.stores import StoredRequest
from tests.factories import minimal_notice, write_content
from tests.support.quality import free_port


def good_form(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "rights": ["access"],
        "name": "Ana Dupont",
        "email": "ana@example.fr",
        "relationship": "patients",
        "details": "Je souhaite une copie de mon dossier d'imagerie de 2024.",
        "file_reference": "P-1234",
        "website": "",
    }
    form.update(overrides)
    return form


def maildir_messages(maildir: Path) -> list[EmailMessage]:
    found = []
    for sub in ("new", "cur"):
        folder = maildir / sub
        if folder.is_dir():
            found += [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.iterdir())]
    return found


def form_notice(**overrides: Any) -> dict[str, Any]:
    """A site offering the online form, with the rights and people these tests name."""
    notice = minimal_notice(
        rights={
            "offered": ["access", "rectification", "erasure", "post_mortem_directives"],
            "channels": {"email": "dpo@clinique.example", "online_form": True},
            "request_retention": "1 year",
        },
        people=[{"id": "patients"}],
    )
    notice.update(overrides)
    return notice


@pytest.fixture
def rights_content(tmp_path: Path) -> Path:
    return write_content(tmp_path / "content", {"clinique": form_notice()})


@pytest.fixture
def rights_client(make_client: Callable[..., TestClient], rights_content: Path) -> TestClient:
    return make_client(rights_content)


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        data = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(data, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def stored_request(**overrides: Any) -> StoredRequest:
    """A request as the register holds it, for the mails made from it."""
    fields: dict[str, Any] = {
        "reference": "K7M4-QX9T-PW2R",
        "site": "clinique",
        "language": "fr",
        "rights": (),
        "relationship": "patients",
        "name": "Ana Dupont",
        "email": "ana@example.fr",
        "details": "Copie de mon dossier",
        "file_reference": "",
        "received_at": datetime(2025, 1, 31, 9, 30, tzinfo=UTC),
        "due_on": date(2025, 2, 28),
        "status": "open",
        "email_confirmed_at": None,
        "extended_at": None,
        "extension_reason": None,
        "closed_at": None,
        "purged_at": None,
    }
    return StoredRequest(**{**fields, **overrides})
