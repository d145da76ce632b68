"""One reader for the stores' records: the same record from SQLite's ISO text as from PostgreSQL's own types."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import UTC, date, datetime

from privacy.codes import Right
from privacy.consent.log import ConsentRecord
from privacy.records import NATIVE, NATIVE_WRITING, insert_into, record, values
from privacy.sqlite.moments import READING, WRITING, iso
from privacy.stores import AnswerFile, NewRequest, StoredRequest
from tests.rights.conftest import stored_request

RECEIVED = datetime(2025, 1, 31, 9, 30, 15, 250, tzinfo=UTC)


def _row(request: StoredRequest) -> dict[str, object]:
    """The request's row as PostgreSQL gives it back, with a column the record does not hold."""
    row: dict[str, object] = {**request.__dict__, "rights": ",".join(r.value for r in request.rights)}
    return {**row, "fingerprint": "not read"}


def test_a_request_reads_the_same_from_either_backend() -> None:
    request = stored_request(
        rights=(Right.access, Right.erasure), received_at=RECEIVED, extended_at=RECEIVED, extension_reason="archives"
    )
    native = _row(request)
    as_text = {
        **native,
        "received_at": iso(RECEIVED),
        "extended_at": iso(RECEIVED),
        "due_on": request.due_on.isoformat(),
    }
    assert record(StoredRequest, native, NATIVE) == request
    assert record(StoredRequest, as_text, READING) == request
    assert record(StoredRequest, as_text, READING).closed_at is None  # what has not happened stays None


def test_numbers_and_text_are_taken_as_they_are() -> None:
    row = {
        "file_id": "f1",
        "reference": "K7M4-QX9T-PW2R",
        "link_hash": "ab",
        "size": 12,
        "created_at": iso(RECEIVED),
        "expires_at": iso(RECEIVED),
        "downloads": 3,
        "last_download_at": None,
        "deleted_at": iso(RECEIVED),
    }
    answer = record(AnswerFile, row, READING)
    assert (answer.size, answer.downloads, answer.last_download_at, answer.deleted_at) == (12, 3, None, RECEIVED)
    assert answer.expires_at.date() == date(2025, 1, 31)


def test_a_proof_of_consent_reads_its_choices_and_its_flag_from_either_backend() -> None:
    row = {
        "consent_id": "c1",
        "recorded_at": iso(RECEIVED),
        "site": "clinique",
        "revision": "r1",
        "banner_hash": "h",
        "language": "fr",
        "action": "customize",
        "choices": '{"audience":true,"video":false}',
        "gpc": 1,
        "channel": "form",
    }
    from_sqlite = record(ConsentRecord, row, READING)
    assert (from_sqlite.choices, from_sqlite.gpc, from_sqlite.recorded_at) == (
        {"audience": True, "video": False},
        True,
        RECEIVED,
    )
    assert record(ConsentRecord, {**row, "recorded_at": RECEIVED, "gpc": True}, NATIVE) == from_sqlite


def test_a_new_request_is_written_as_each_backend_keeps_it_and_read_back_the_same() -> None:
    new = NewRequest(
        reference="K7M4-QX9T-PW2R",
        site="clinique",
        language="fr",
        rights="access,erasure",
        relationship="patients",
        name="Zoé Lefèvre",
        email="zoe@example.fr",
        details="Copie du compte rendu",
        file_reference="IRM-778",
        fingerprint="f1",
        received_at=RECEIVED,
        due_on=date(2025, 2, 28),
        confirm_hash="c" * 64,
        receipt_hash="r" * 64,
    )
    insert = insert_into("rights_requests", NewRequest, "?")
    assert insert.startswith("INSERT INTO rights_requests (reference, site, language, rights,")
    assert insert.endswith("acting_for, subject_name) VALUES (" + ", ".join(["?"] * 16) + ")")
    as_text = values(new, WRITING)
    assert as_text[10:12] == (iso(RECEIVED), "2025-02-28")  # a datetime as a moment, not as a day
    assert values(new, NATIVE_WRITING)[10:12] == (RECEIVED, date(2025, 2, 28))
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute(f"CREATE TABLE rights_requests ({', '.join(f.name for f in dataclasses.fields(NewRequest))})")
    db.execute(insert, as_text)
    row = db.execute("SELECT received_at, due_on, subject_name FROM rights_requests").fetchone()
    assert READING.moment(row["received_at"]) == RECEIVED and READING.day(row["due_on"]) == date(2025, 2, 28)
    assert row["subject_name"] is None  # nobody else's name: NULL, not empty text
