"""The mails themselves: what a mail client reads back, and no header a field could add."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from privacy.codes import Right
from privacy.content import Site, load_content
from privacy.rights import mail
from privacy.rights.outbox import Mail
from tests.factories import write_content
from tests.rights.conftest import form_notice, stored_request

SENDER = "privacy@clinique.example"


def _content(sent: Mail) -> str:
    """The text of a composed mail."""
    assert sent.message is not None, "a composed mail, not a draft"
    read = message_from_bytes(sent.message, policy=policy.default)
    assert isinstance(read, EmailMessage)
    return str(read.get_content())


def _site(tmp_path: Path, publisher: str = "Clinique Émeraude") -> Site:
    notice = form_notice()
    notice["publisher"]["name"] = publisher
    return load_content(write_content(tmp_path / "content", {"clinique": notice})).sites[0]


def _to_dpo(tmp_path: Path, name: str = "Ana Dupont-Lévêque", email: str = "ana@example.fr", **site: str) -> Mail:
    return mail.to_dpo(
        _site(tmp_path, **site),
        "dpo@clinique.example",
        SENDER,
        stored_request(
            reference="K7M4-QX9T-PW2R",
            rights=(Right.access, Right.erasure),
            name=name,
            email=email,
            relationship="patients",
            details="Copie de mon dossier\nsur deux lignes",
            file_reference="",
            received_at=datetime(2025, 1, 31, 9, 30, tzinfo=UTC),
            due_on=date(2025, 2, 28),
        ),
        confirmed=False,
    )


def test_a_mail_client_reads_back_every_header_and_the_body(tmp_path: Path) -> None:
    sent = _to_dpo(tmp_path)
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
def test_a_line_break_in_a_field_never_starts_a_header(tmp_path: Path, field: str) -> None:
    injected = "Ana\r\nBcc: everyone@example.org"
    sent = _to_dpo(tmp_path, name=injected) if field == "name" else _to_dpo(tmp_path, publisher=injected)
    assert sent.message is not None
    read = message_from_bytes(sent.message, policy=policy.default)
    assert read["Bcc"] is None
    assert all(not line.lower().startswith(b"bcc:") for line in sent.message.splitlines())


def test_an_address_that_is_not_plain_ascii_is_refused(tmp_path: Path) -> None:
    # The form only accepts ASCII addresses (IDN domains in their ASCII form); anything else is a bug.
    with pytest.raises(ValueError):
        _to_dpo(tmp_path, email="ana@exämple.fr")
    with pytest.raises(ValueError):
        _to_dpo(tmp_path, email="ana@example.fr\nBcc: x@example.org")


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
def test_no_display_name_poses_as_an_address(tmp_path: Path, name: str) -> None:
    sent = _to_dpo(tmp_path, name=name)
    assert sent.message is not None
    read = message_from_bytes(sent.message, policy=policy.default)
    [reply_to] = read["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == (name, "ana@example.fr")
    assert read["Reply-To"].defects == ()
    [sender] = read["From"].addresses
    assert sender.addr_spec == SENDER


@pytest.mark.parametrize("publisher", ["ceo@hospital.example", "=?utf-8?q?ceo=40hospital=2Eexample?="])
def test_the_organization_name_in_from_is_quoted_too(tmp_path: Path, publisher: str) -> None:
    sent = _to_dpo(tmp_path, publisher=publisher)
    assert sent.message is not None
    [sender] = message_from_bytes(sent.message, policy=policy.default)["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (publisher, SENDER)


def test_invisible_characters_are_written_out_in_the_dpo_mail(tmp_path: Path) -> None:
    sent = mail.to_dpo(
        _site(tmp_path),
        "dpo@clinique.example",
        SENDER,
        stored_request(
            reference="K7M4-QX9T-PW2R",
            rights=(Right.access,),
            name="\u202eelpmaxe.latipsoh@oec",
            email="ana@example.fr",
            relationship="patients",
            details="Mon dossier\u200b\nde 2024 \u2067isolé\u2069 et \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            file_reference="P-\ufeff12",
            received_at=datetime(2025, 1, 31, 9, 30, tzinfo=UTC),
            due_on=date(2025, 2, 28),
        ),
        confirmed=False,
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


def test_the_acknowledgment_promises_a_date_only_when_the_law_sets_one() -> None:
    import tempfile
    from datetime import date, datetime
    from pathlib import Path

    from privacy.codes import Right
    from privacy.content import load_content
    from privacy.rights import mail
    from tests.factories import minimal_notice, write_content

    with tempfile.TemporaryDirectory() as folder:
        content = load_content(write_content(Path(folder), {"clinique": minimal_notice()}))
    site = content.sites[0]
    request = stored_request(
        language="en",
        email="a@b.example",
        rights=(Right.access,),
        received_at=datetime(2025, 3, 3, tzinfo=UTC),
        due_on=date(2025, 4, 3),
    )
    args = dict(confirm_url="https://x.example/c", confirm_days=14)
    promised = mail.acknowledgment(site, "privacy@x.example", request, legal=True, **args)  # type: ignore[arg-type]
    silent = mail.acknowledgment(site, "privacy@x.example", request, legal=False, **args)  # type: ignore[arg-type]

    def body(sent: Mail) -> str:
        return _content(sent)

    assert "We will answer by April 3, 2025" in body(promised)
    assert "We will answer by" not in body(silent)


def test_without_a_legal_deadline_the_dpo_reads_a_target_and_the_requester_no_legal_claim() -> None:
    from datetime import date, datetime

    from privacy.codes import Right
    from privacy.rights import mail as mails

    site = _site_under({"laws": ["ma-09-08"], "authority": "cndp"})
    received = datetime(2025, 3, 3, tzinfo=UTC)
    to_dpo = mails.to_dpo(
        site,
        "dpo@x.example",
        "privacy@x.example",
        stored_request(
            reference="K7M4-QX9T-PW2R",
            rights=(Right.access,),
            name="A",
            email="a@b.example",
            relationship="patients",
            details="d",
            file_reference="",
            received_at=received,
            due_on=date(2025, 4, 3),
        ),
        confirmed=False,
        legal=False,
    )
    later = mails.extension_notice(
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


def _site_under(jurisdiction: dict, **rights: object):  # type: ignore[no-untyped-def, type-arg]
    import tempfile
    from pathlib import Path

    from privacy.content import load_content
    from tests.factories import minimal_notice, write_content

    notice = minimal_notice(jurisdiction=jurisdiction)
    notice["rights"].update(rights)
    if jurisdiction["laws"] == ["gdpr"]:
        notice["rights"]["offered"].remove("post_mortem_directives")
    with tempfile.TemporaryDirectory() as folder:
        content = load_content(write_content(Path(folder), {"clinique": notice}))
    return content.sites[0]


def test_a_site_that_asks_for_proof_of_identity_says_so_in_both_mails() -> None:
    from datetime import date, datetime

    from privacy.codes import Right
    from privacy.rights import mail as mails

    site = _site_under(
        {"laws": ["gdpr"], "authority": "cnil"},
        identity_proof={
            "fr": "Joignez une **copie** de votre pièce d'identité.",
            "en": "Attach a **copy** of your ID.",
        },
    )
    received = datetime(2025, 3, 3, tzinfo=UTC)
    ack = mails.acknowledgment(
        site,
        "privacy@x.example",
        stored_request(
            language="en", email="a@b.example", rights=(Right.access,), received_at=received, due_on=date(2025, 4, 3)
        ),
        legal=True,
        confirm_url="https://x.example/c",
        confirm_days=14,
    )
    dpo = mails.to_dpo(
        site,
        "dpo@x.example",
        "privacy@x.example",
        stored_request(
            reference="K7M4-QX9T-PW2R",
            rights=(Right.access,),
            name="A",
            email="a@b.example",
            relationship="patients",
            details="d",
            file_reference="",
            received_at=received,
            due_on=date(2025, 4, 3),
        ),
        confirmed=False,
    )
    ack_text = _content(ack)
    dpo_text = _content(dpo)
    assert "How to prove your identity:\nAttach a copy of your ID." in ack_text and "reasonable doubt" not in ack_text
    assert "justificatif d'identité" in dpo_text and "doute raisonnable" not in dpo_text
