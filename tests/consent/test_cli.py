"""``python server.py consent-log``: the DPO's export of the proof-of-consent log."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import server
from tests.consent.conftest import ESSENTIAL, OPT_IN, consent_log_db
from tests.factories import settings_env


@pytest.fixture
def logged(
    make_client: Callable[..., TestClient], consent_content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    client = make_client(consent_content)
    client.post("/consent", json={"site": OPT_IN, "lang": "fr", "action": "accept"})
    client.post("/consent", json={"site": OPT_IN, "action": "reject"}, headers={"Sec-GPC": "1"})
    client.post("/consent", json={"site": ESSENTIAL, "action": "dismiss"})
    for name, value in settings_env(tmp_path, consent_content).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    return client


def test_csv_export_lists_one_site(logged: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    assert server.main(["consent-log", "--site", OPT_IN]) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["action"], r["choices"], r["gpc"], r["language"]) for r in rows] == [
        ("accept", "audience_measurement=yes", "no", "fr"),
        ("withdraw", "audience_measurement=no", "yes", "en"),
    ]
    assert rows[0]["consent_id"] == rows[1]["consent_id"]
    assert len(rows[0]["banner_hash"]) == 64
    assert "2 enregistrement(s) de consentement" in err


def test_json_export_and_since(logged: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    assert server.main(["consent-log", "--site", ESSENTIAL, "--format", "json"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert record["action"] == "dismiss" and record["choices"] == {} and record["gpc"] is False
    assert server.main(["consent-log", "--site", OPT_IN, "--since", "2999-01-01", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert (
        server.main(["consent-log", "--site", OPT_IN, "--since", "2000-01-01T00:00:00+01:00", "--format", "json"]) == 0
    )
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_a_bad_date_is_explained(logged: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        server.main(["consent-log", "--site", OPT_IN, "--since", "last week"])
    assert exit_info.value.code == 2
    assert "--since attend une date comme 2025-01-31" in capsys.readouterr().err


def test_the_log_is_append_only(logged: TestClient) -> None:
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        consent_log_db(logged).execute("UPDATE consent_log SET action = 'accept'")


def test_purge_deletes_what_was_kept_long_enough(logged: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    db = consent_log_db(logged)
    db.execute(
        "INSERT INTO consent_log (consent_id, recorded_at, site, revision, banner_hash, language, action,"
        " choices, gpc, channel) VALUES ('old', '2019-01-01T00:00:00+00:00', ?, 'r', 'h', 'fr', 'accept', '{}',"
        " 0, 'script')",
        (OPT_IN,),
    )
    assert server.main(["consent-log", "--purge", "--dry-run"]) == 0
    assert "1 " in capsys.readouterr().err and db.execute("SELECT COUNT(*) FROM consent_log").fetchone()[0] == 4
    assert server.main(["consent-log", "--purge"]) == 0
    assert capsys.readouterr().err.startswith("1 ")
    assert [row[0] for row in db.execute("SELECT consent_id FROM consent_log WHERE consent_id = 'old'")] == []
    assert db.execute("SELECT COUNT(*) FROM consent_log").fetchone()[0] == 3


def test_without_a_site_or_purge_it_says_what_to_give(logged: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    assert server.main(["consent-log"]) == 2
    assert "--site" in capsys.readouterr().err
