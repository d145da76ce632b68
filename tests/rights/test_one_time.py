"""One-time codes: kept hashed, once, for 15 minutes, five tries, five codes an hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from privacy.rights import one_time
from privacy.sqlite.database import connect
from tests.support.storage import rights_register

KEY = "k" * 40
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
REF = "K7M4-QX9T-PW2R"


def test_a_code_works_once_and_is_never_stored(tmp_path: Path) -> None:
    db = rights_register(tmp_path / "r.sqlite3")
    try:
        with db.transaction() as session:
            issued = one_time.issue(session, KEY, REF, "answer", NOW)
        assert issued.code is not None and len(issued.code) == 6 and issued.code.isdigit()
        with db.transaction() as session:
            assert not one_time.check(session, KEY, REF, "status", issued.code, NOW)  # another purpose
            assert one_time.check(session, KEY, REF, "answer", f" {issued.code[:3]} {issued.code[3:]} ", NOW)
        with db.transaction() as session:
            assert not one_time.check(session, KEY, REF, "answer", issued.code, NOW)
    finally:
        db.close()
    raw = connect(tmp_path / "r.sqlite3")
    try:
        assert issued.code not in repr(raw.execute("SELECT * FROM rights_codes").fetchall())
    finally:
        raw.close()


def test_a_code_expires_and_allows_five_tries(tmp_path: Path) -> None:
    db = rights_register(tmp_path / "r.sqlite3")
    try:
        with db.transaction() as session:
            issued = one_time.issue(session, KEY, REF, "status", NOW)
        assert issued.code is not None
        later = NOW + timedelta(minutes=one_time.CODE_MINUTES + 1)
        with db.transaction() as session:
            assert not one_time.check(session, KEY, REF, "status", issued.code, later)
            second = one_time.issue(session, KEY, REF, "status", NOW)
        assert second.code is not None
        wrong = "000000" if second.code != "000000" else "111111"
        for _ in range(one_time.MAX_TRIES):
            with db.transaction() as session:
                assert not one_time.check(session, KEY, REF, "status", wrong, NOW)
        with db.transaction() as session:
            assert not one_time.check(session, KEY, REF, "status", second.code, NOW)  # tries used up
    finally:
        db.close()


def test_at_most_five_codes_an_hour(tmp_path: Path) -> None:
    db = rights_register(tmp_path / "r.sqlite3")
    try:
        with db.transaction() as session:
            codes = [one_time.issue(session, KEY, REF, "status", NOW + timedelta(minutes=i)).code for i in range(6)]
            assert one_time.issue(session, KEY, REF, "status", NOW + timedelta(minutes=61)).code is not None
        assert all(codes[:5]) and codes[5] is None
    finally:
        db.close()
