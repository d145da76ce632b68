"""A full disk, a read-only disk and a disk that refuses every write, while requests keep coming: each post is
answered 303 or a localized 503, never a 500; every request confirmed is kept, nothing stored before is lost,
and once the disk takes writes again everything confirmed is delivered once."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from privacy.app import create_app
from privacy.settings import Settings
from tests.factories import settings_env, write_content
from tests.faults.injection import Fault, refuse_writes, storage_fault
from tests.faults.server import Burst, message_ids, start
from tests.faults.test_crash import _outbox_empty, _stored, figures
from tests.rights.conftest import form_notice, good_form
from tests.support.quality import free_port

FORM = "/rights/clinique/fr/"
POSTS = 100  # bounded, for each fault


def _quick_check(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return str(db.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        db.close()


@pytest.mark.parametrize("fault", ["full", "read_only"])
def test_a_full_or_read_only_disk_is_a_503_never_a_500_and_loses_nothing(
    make_settings: Callable[..., Settings], tmp_path: Path, fault: Fault, report: Any
) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    settings = make_settings(
        content, PRIVACY_RIGHTS_LIMITS="1000000/60,1000000/60", PRIVACY_CONSENT_LIMITS="1000000/60"
    )
    rights, consent = Counter[int](), Counter[int]()
    confirmed: list[str] = []
    with TestClient(create_app(settings), base_url="https://testserver", raise_server_exceptions=False) as client:

        def post(n: int) -> None:
            email = f"patient{n}@example.fr"
            status = client.post(FORM, data=good_form(email=email), follow_redirects=False).status_code
            rights[status] += 1
            if status == 303:
                confirmed.append(email)
            consent[client.post("/consent", json={"site": "clinique", "action": "reject"}).status_code] += 1

        for n in range(20):
            post(n)
        with storage_fault(client.app, fault):  # type: ignore[arg-type]
            for n in range(20, 20 + POSTS):
                post(n)
        for n in range(20 + POSTS, 40 + POSTS):
            post(n)
        assert _outbox_empty(settings.database, 30)
    stored = _stored(settings.database)
    folder = settings.maildir
    ids = message_ids([p.read_bytes() for sub in ("new", "cur") for p in (folder / sub).iterdir()])
    measured = figures(confirmed, stored, ids)
    report(
        f"{fault.replace('_', '-')} disk ({POSTS} posts to the form and {POSTS} to /consent during the fault)",
        rights_503=rights[503],
        rights_500=rights[500],
        consent_503=consent[503],
        consent_500=consent[500],
        **measured,
    )
    assert rights[500] == consent[500] == 0
    assert set(rights) <= {303, 503} and set(consent) <= {200, 503}
    assert rights[503] >= POSTS - 20 and consent[503] >= POSTS - 20  # the fault held: little fits in free space
    assert measured["lost"] == 0 and measured["duplicated"] == 0
    assert set(stored) == set(confirmed)  # a 503 wrote nothing, a 303 was kept
    assert _quick_check(settings.database) == "ok" and _quick_check(settings.consent_log) == "ok"


def test_a_disk_that_refuses_every_write_mid_burst_is_a_503_never_a_500(tmp_path: Path, report: Any) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    env = settings_env(tmp_path, content)
    port, log = free_port(), tmp_path / "server.log"
    server = start(env, port, log)
    database = tmp_path / "var" / "privacy.sqlite3"
    try:
        burst = Burst(port, 150, pause=0.01).start()
        burst.wait_until(lambda b: len(b.confirmed) >= 30)
        refuse_writes(server.pid, True)  # from now on, every write to a file fails, as on a failing disk
        burst.wait_until(lambda b: b.statuses[503] >= 40)
        refuse_writes(server.pid, False)  # space freed, the disk remounted
        burst.join()
        assert _outbox_empty(database, 30)
    finally:
        server.terminate()
        server.wait(timeout=20)
    stored = _stored(database)
    folder = tmp_path / "var" / "maildir"
    ids = message_ids([p.read_bytes() for sub in ("new", "cur") for p in (folder / sub).iterdir()])
    measured = figures(burst.confirmed, stored, ids)
    report(
        "a disk refusing every write mid-burst (SQLite: disk I/O error), then taking them again",
        posts=sum(burst.statuses.values()),
        answered_503=burst.statuses[503],
        answered_500=burst.statuses[500],
        **measured,
    )
    text = log.read_text()
    assert burst.statuses[500] == 0 and set(burst.statuses) <= {303, 503}
    assert burst.statuses[503] >= 40 and "disk I/O error" in text and "Traceback" not in text
    assert measured["lost"] == 0 and measured["duplicated"] == 0
    assert set(stored) == set(burst.confirmed)
    assert _quick_check(database) == "ok"
