"""The mails after the acknowledgment, as a mail client reads them, in the requester's language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from privacy.content import Site, load_content
from privacy.law import jurisdiction
from privacy.rights import follow_up
from privacy.rights.outbox import Mail
from tests.factories import write_content
from tests.rights.conftest import form_notice

SENDER = "privacy@clinique.example"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
REF = "K7M4-QX9T-PW2R"


def _read(sent: Mail) -> EmailMessage:
    assert sent.message is not None
    read = message_from_bytes(sent.message, policy=policy.default)
    assert isinstance(read, EmailMessage)
    return read


def _site(tmp_path: Path, **overrides: Any) -> Site:
    content = load_content(write_content(tmp_path / "content", {"clinique": form_notice(**overrides)}))
    assert not content.errors, content.errors
    return content.sites[0]


def test_the_answer_link_says_a_code_follows_and_holds_no_code(tmp_path: Path) -> None:
    sent = follow_up.answer_link(
        _site(tmp_path),
        "fr",
        SENDER,
        reference=REF,
        email="ana@example.fr",
        url="https://privacy.example/rights/clinique/fr/answer/abc",
        expires_on=date(2027, 3, 15),
        note="Voici votre dossier.",
        sent_at=NOW,
    )
    read = _read(sent)
    text = read.get_content()
    assert read["To"] == "ana@example.fr" and read["Subject"] == f"Votre demande {REF}\u00a0: notre réponse"
    assert "https://privacy.example/rights/clinique/fr/answer/abc" in text and "15 mars 2027" in text
    assert "code à usage unique" in text and "message séparé" in text and "Voici votre dossier." in text
    assert read["Auto-Submitted"] == "auto-generated"


def test_each_code_is_a_mail_of_its_own(tmp_path: Path) -> None:
    site = _site(tmp_path)
    first, second = (
        follow_up.one_time_code(
            site,
            "en",
            SENDER,
            reference=REF,
            email="ana@example.fr",
            code=code,
            minutes=15,
            purpose="answer",
            sent_at=NOW,
        )
        for code in ("482913", "105277")
    )
    assert first.message_id != second.message_id
    text = _read(first).get_content()
    assert "482913" in text and "15 minutes" in text and "open our answer" in text
    assert "http" not in text  # the code's mail never carries the link


def test_the_identity_request_gives_the_sites_rule_and_the_proof_of_representation(tmp_path: Path) -> None:
    site = _site(
        tmp_path,
        rights={
            **form_notice()["rights"],
            "identity_proof": {"fr": "Une copie **recto** de votre pièce d'identité.", "en": "A copy of your ID."},
        },
    )
    sent = follow_up.identity_proof_request(
        site,
        "fr",
        SENDER,
        reference=REF,
        email="ana@example.fr",
        acting_for="deceased",
        due_on=date(2027, 4, 1),
        sent_at=NOW,
    )
    text = _read(sent).get_content()
    assert "Une copie recto de votre pièce d'identité." in text  # the site's own rule, its Markdown dropped
    assert "acte de décès" in text and "1er avril 2027" in text


def test_without_a_rule_the_identity_request_asks_for_an_identity_document(tmp_path: Path) -> None:
    sent = follow_up.identity_proof_request(
        _site(tmp_path),
        "en",
        SENDER,
        reference=REF,
        email="ana@example.fr",
        acting_for="self",
        due_on=None,
        sent_at=NOW,
    )
    text = _read(sent).get_content()
    assert "identity document" in text and "death certificate" not in text


@pytest.mark.parametrize(("outcome", "complaint"), [("refused", True), ("partial", True), ("granted", False)])
def test_a_close_says_how_and_a_refusal_names_the_authority_from_the_registry(
    tmp_path: Path, outcome: Any, complaint: bool
) -> None:
    site = _site(tmp_path)
    content = load_content(tmp_path / "content")
    law = jurisdiction(site.notice, content.registry)
    assert law.authority is not None
    sent = follow_up.closed(
        site,
        "fr",
        SENDER,
        reference=REF,
        email="ana@example.fr",
        outcome=outcome,
        reason="Le dossier a été transmis à l'établissement qui vous a suivi." if outcome != "granted" else "",
        law=law,
        sent_at=NOW,
    )
    text = _read(sent).get_content()
    assert ("Commission nationale de l'informatique et des libertés" in text) is complaint
    assert ("https://www.cnil.fr/fr/plaintes" in text) is complaint
    if complaint:
        assert "Motif\u00a0: Le dossier a été transmis" in text


def test_the_digest_lists_overdue_due_soon_and_unconfirmed(tmp_path: Path) -> None:
    line = follow_up.DigestLine(REF, "clinique", date(2027, 2, 1), date(2027, 2, 28), ("access",))
    soon = follow_up.DigestLine("AAAA-BBBB-CCCC", "clinique", date(2027, 2, 5), date(2027, 3, 5), ("erasure",))
    digest = follow_up.Digest(due_soon=[soon], overdue=[line], unconfirmed=[])
    sent = follow_up.digest_mail(_site(tmp_path), "dpo@clinique.example", SENDER, digest, date(2027, 3, 1), NOW)
    read = _read(sent)
    text = read.get_content()
    assert read["Subject"] == "Demandes d'exercice des droits\u00a0: 1 en retard, 1 à rendre sous 7 jours"
    assert text.index("En retard (1)") < text.index(REF) < text.index("À rendre sous 7 jours (1)")
    assert "AAAA-BBBB-CCCC" in text and "Adresse non confirmée" not in text
    again = follow_up.digest_mail(_site(tmp_path / "b"), "dpo@clinique.example", SENDER, digest, date(2027, 3, 1), NOW)
    assert again.message_id == sent.message_id  # one a day per inbox, whichever instance writes it
    assert follow_up.Digest([], [], []).empty
