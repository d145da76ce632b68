"""The mails themselves: what a mail client reads back, and no header a field could add."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from privacy.codes import Right
from privacy.content import Site, load_content
from privacy.rights import mail
from privacy.rights.outbox import Mail
from tests.factories import minimal_notice, write_content
from tests.rights.conftest import form_notice, stored_request

SENDER = "privacy@clinique.example"
INBOX = "dpo@clinique.example"
# The request of the DPO's mails below; each test changes what it is about.
DPO_REQUEST: dict[str, Any] = {
    "reference": "K7M4-QX9T-PW2R",
    "rights": (Right.access, Right.erasure),
    "name": "Ana Dupont-Lévêque",
    "email": "ana@example.fr",
    "relationship": "patients",
    "details": "Copie de mon dossier\nsur deux lignes",
    "file_reference": "",
    "received_at": datetime(2025, 1, 31, 9, 30, tzinfo=UTC),
    "due_on": date(2025, 2, 28),
}
MakeSite = Callable[..., Site]
DpoMail = Callable[..., Mail]


def _content(sent: Mail) -> str:
    """The text of a composed mail."""
    assert sent.message is not None, "a composed mail, not a draft"
    read = message_from_bytes(sent.message, policy=policy.default)
    assert isinstance(read, EmailMessage)
    return str(read.get_content())


def published_by(publisher: str) -> dict[str, Any]:
    """The form's notice, published by ``publisher``."""
    notice = form_notice()
    notice["publisher"]["name"] = publisher
    return notice


def under(jurisdiction: dict[str, Any], **rights: object) -> dict[str, Any]:
    """The minimal notice under other laws, with these rights settings."""
    notice = minimal_notice(jurisdiction=jurisdiction)
    notice["rights"].update(rights)
    if jurisdiction["laws"] == ["gdpr"]:
        notice["rights"]["offered"].remove("post_mortem_directives")
    return notice


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """The site of a notice (by default the form's, published by Clinique Émeraude), each in a folder of its own."""
    folders = itertools.count()

    def factory(notice: dict[str, Any] | None = None) -> Site:
        folder = tmp_path / f"content-{next(folders)}"
        return load_content(write_content(folder, {"clinique": notice or published_by("Clinique Émeraude")})).sites[0]

    return factory


@pytest.fixture
def dpo_mail(make_site: MakeSite) -> DpoMail:
    """The DPO's mail of DPO_REQUEST, with the fields a test gives, for ``site`` (else the form's)."""

    def factory(site: Site | None = None, *, legal: bool = True, **request: Any) -> Mail:
        asked = stored_request(**{**DPO_REQUEST, **request})
        return mail.to_dpo(site or make_site(), INBOX, SENDER, asked, confirmed=False, legal=legal)

    return factory


def test_a_mail_client_reads_back_every_header_and_the_body(dpo_mail: DpoMail) -> None:
    sent = dpo_mail()
    assert sent.message is not None and sent.message.isascii()  # 7-bit on the wire: any relay takes it
    read = message_from_bytes(sent.message, policy=policy.default)
    assert read["From"].addresses[0].display_name == "Clinique Émeraude"
    assert read["From"].addresses[0].addr_spec == SENDER
    assert read["Reply-To"].addresses[0].display_name == "Ana Dupont-Lévêque"
    assert read["To"] == "dpo@clinique.example"
    assert read["Message-ID"] == sent.message_id == "<K7M4-QX9T-PW2R.dpo@clinique.example>"
    assert read["Content-Language"] == "fr"
    assert read["Subject"] == "Demande d'exercice de droits K7M4-QX9T-PW2R\u00a0: Droit d'accès, Droit à l'effacement"
    assert read.get_content_type() == "text/plain" and read["Content-Transfer-Encoding"] == "quoted-printable"
    body = read.get_content()
    assert "Copie de mon dossier\nsur deux lignes" in body and "31 janvier 2025" in body


@pytest.mark.parametrize("field", ["name", "publisher"])
def test_a_line_break_in_a_field_never_starts_a_header(dpo_mail: DpoMail, make_site: MakeSite, field: str) -> None:
    injected = "Ana\r\nBcc: everyone@example.org"
    sent = dpo_mail(name=injected) if field == "name" else dpo_mail(make_site(published_by(injected)))
    assert sent.message is not None
    read = message_from_bytes(sent.message, policy=policy.default)
    assert read["Bcc"] is None
    assert all(not line.lower().startswith(b"bcc:") for line in sent.message.splitlines())


def test_an_address_that_is_not_plain_ascii_is_refused(dpo_mail: DpoMail) -> None:
    # The form only accepts ASCII addresses (IDN domains in their ASCII form); anything else is a bug.
    with pytest.raises(ValueError):
        dpo_mail(email="ana@exämple.fr")
    with pytest.raises(ValueError):
        dpo_mail(email="ana@example.fr\nBcc: x@example.org")


POSING = [
    "ceo@hospital.example",
    "=?utf-8?b?Y2VvQGhvc3BpdGFsLmV4YW1wbGU=?=",
    "=?utf-8?q?ceo=40hospital=2Eexample?=",
    "Ana =?utf-8?q?=3Cceo=40hospital=2Eexample=3E?= " + "x" * 150,
    "Ana <ceo@hospital.example>",
    "Ana, ceo@hospital.example",
    '"ceo@hospital.example" <',
]


@pytest.mark.parametrize("name", POSING)
def test_no_display_name_poses_as_an_address(dpo_mail: DpoMail, name: str) -> None:
    sent = dpo_mail(name=name)
    assert sent.message is not None
    read = message_from_bytes(sent.message, policy=policy.default)
    [reply_to] = read["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == (name, "ana@example.fr")
    assert read["Reply-To"].defects == ()
    [sender] = read["From"].addresses
    assert sender.addr_spec == SENDER


@pytest.mark.parametrize("publisher", ["ceo@hospital.example", "=?utf-8?q?ceo=40hospital=2Eexample?="])
def test_the_organization_name_in_from_is_quoted_too(dpo_mail: DpoMail, make_site: MakeSite, publisher: str) -> None:
    sent = dpo_mail(make_site(published_by(publisher)))
    assert sent.message is not None
    [sender] = message_from_bytes(sent.message, policy=policy.default)["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (publisher, SENDER)


def test_invisible_characters_are_written_out_in_the_dpo_mail(dpo_mail: DpoMail) -> None:
    sent = dpo_mail(
        rights=(Right.access,),
        name="\u202eelpmaxe.latipsoh@oec",
        details="Mon dossier\u200b\nde 2024 \u2067isolé\u2069 et \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        file_reference="P-\ufeff12",
    )
    assert sent.message is not None
    read = message_from_bytes(sent.message, policy=policy.default)
    body = read.get_content()
    assert "Mon dossier[U+200B ZERO WIDTH SPACE]\nde 2024 [U+2067 RIGHT-TO-LEFT ISOLATE]isolé" in body
    assert "[U+2069 POP DIRECTIONAL ISOLATE]" in body
    assert "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645" in body  # a Persian word keeps its joiner
    assert "P-[U+FEFF ZERO WIDTH NO-BREAK SPACE]12" in body
    assert "[U+202E RIGHT-TO-LEFT OVERRIDE]elpmaxe.latipsoh@oec" in body
    assert not any(c in body for c in "\u202e\u200b\u2067\u2069\ufeff")
    [reply_to] = read["Reply-To"].addresses
    assert reply_to.display_name == "[U+202E RIGHT-TO-LEFT OVERRIDE]elpmaxe.latipsoh@oec"
    assert reply_to.addr_spec == "ana@example.fr"


def test_the_acknowledgment_promises_a_date_only_when_the_law_sets_one(make_site: MakeSite) -> None:
    site = make_site(minimal_notice())
    request = stored_request(
        language="en",
        email="a@b.example",
        rights=(Right.access,),
        received_at=datetime(2025, 3, 3, tzinfo=UTC),
        due_on=date(2025, 4, 3),
    )

    def acknowledgment(legal: bool) -> str:
        said = mail.acknowledgment(
            site, "privacy@x.example", request, legal=legal, confirm_url="https://x.example/c", confirm_days=14
        )
        return _content(said)

    assert "We will answer by April 3, 2025" in acknowledgment(legal=True)
    assert "We will answer by" not in acknowledgment(legal=False)


def test_without_a_legal_deadline_the_dpo_reads_a_target_and_the_requester_no_legal_claim(
    dpo_mail: DpoMail, make_site: MakeSite
) -> None:
    site = make_site(under({"laws": ["ma-09-08"], "authority": "cndp"}))
    received = datetime(2025, 3, 3, tzinfo=UTC)
    to_dpo = dpo_mail(site, legal=False, rights=(Right.access,), received_at=received, due_on=date(2025, 4, 3))
    later = mail.extension_notice(
        site,
        "en",
        "privacy@x.example",
        reference="K7M4-QX9T-PW2R",
        email="a@b.example",
        reason="r",
        due_on=date(2025, 6, 3),
        sent_at=received,
        legal=False,
    )
    dpo_text = _content(to_dpo)
    later_text = _content(later)
    assert "Date visée (pas de délai légal)" in dpo_text and "Legal due date" not in dpo_text
    assert "as the law allows" not in later_text and "we need more time to answer it." in later_text


def test_a_site_that_asks_for_proof_of_identity_says_so_in_both_mails(dpo_mail: DpoMail, make_site: MakeSite) -> None:
    site = make_site(
        under(
            {"laws": ["gdpr"], "authority": "cnil"},
            identity_proof={
                "fr": "Joignez une **copie** de votre pièce d'identité.",
                "en": "Attach a **copy** of your ID.",
            },
        )
    )
    received = datetime(2025, 3, 3, tzinfo=UTC)
    ack = mail.acknowledgment(
        site,
        "privacy@x.example",
        stored_request(
            language="en", email="a@b.example", rights=(Right.access,), received_at=received, due_on=date(2025, 4, 3)
        ),
        legal=True,
        confirm_url="https://x.example/c",
        confirm_days=14,
    )
    dpo = dpo_mail(site, rights=(Right.access,), received_at=received, due_on=date(2025, 4, 3))
    ack_text = _content(ack)
    dpo_text = _content(dpo)
    assert "How to prove your identity:\nAttach a copy of your ID." in ack_text and "reasonable doubt" not in ack_text
    assert "justificatif d'identité" in dpo_text and "doute raisonnable" not in dpo_text
