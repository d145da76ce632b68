"""One reader for the stores' records: the same record from SQLite's ISO text as from PostgreSQL's own types."""

from __future__ import annotations

from datetime import UTC, date, datetime

from privacy.codes import Right
from privacy.consent.log import ConsentRecord
from privacy.records import NATIVE, record
from privacy.sqlite.moments import READING, iso
from privacy.stores import AnswerFile, StoredRequest
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
