"""The proof-of-consent log keeps each entry as long as it may be needed, then deletes it (storage limitation)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.testclient import TestClient

from privacy.consent import log
from privacy.consent.feature import purge_old_proofs
from privacy.content import load_content
from privacy.settings import Settings
from privacy.sqlite.consent_log import SqliteConsentLog
from tests.consent.conftest import OPT_IN, consent_log_db, consent_sites
from tests.factories import write_content
from tests.support.storage import consent_log

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def _entry(at: datetime, consent_id: str) -> log.ConsentRecord:
    return log.ConsentRecord(
        consent_id=consent_id,
        recorded_at=at,
        site=OPT_IN,
        revision="r1",
        banner_hash="h",
        language="fr",
        action="accept",
        choices={"audience": True},
        gpc=False,
        channel="script",
    )


def _write(path: Path, *entries: log.ConsentRecord) -> None:
    database = consent_log(path)
    with database.transaction() as session:
        for entry in entries:
            session.log.append(entry)
    database.close()


def test_an_entry_is_kept_for_the_longest_choice_and_the_years_set_then_deleted(tmp_path: Path) -> None:
    cutoff = log.proof_cutoff(NOW, 5, 13)
    assert datetime(2025, 4, 30, tzinfo=UTC) < cutoff < datetime(2025, 5, 2, tzinfo=UTC)  # 13 months + 5 years back
    _write(
        tmp_path / "log.sqlite3",
        _entry(cutoff - timedelta(seconds=1), "old"),
        _entry(cutoff, "kept"),
        _entry(NOW, "new"),
    )
    database = consent_log(tmp_path / "log.sqlite3")
    with database.transaction() as session:
        assert session.log.purge(cutoff, 5000) == 1
        assert [r.consent_id for r in session.log.records(OPT_IN)] == ["kept", "new"]


def test_the_server_deletes_old_proofs_when_it_starts_and_in_chunks(
    make_settings: Callable[..., Settings], make_client: Callable[..., TestClient], consent_content: Path
) -> None:
    settings = make_settings(consent_content)
    old = log.proof_cutoff(datetime.now(UTC), settings.consent_proof_years) - timedelta(days=1)
    _write(
        settings.consent_log,
        *(_entry(old - timedelta(minutes=i), f"old-{i}") for i in range(5)),
        _entry(datetime.now(UTC), "recent"),
    )
    client = make_client(consent_content)
    assert [r.consent_id for r in SqliteConsentLog(consent_log_db(client)).records(OPT_IN)] == ["recent"]
    # A backlog goes in chunks: a later purge with a small chunk still deletes everything due.
    _write(settings.consent_log, *(_entry(old, f"late-{i}") for i in range(7)))
    stores = client.app.state.privacy.stores  # type: ignore[attr-defined]
    purged = client.portal.call(lambda: purge_old_proofs(stores.consent, settings.consent_proof_years, chunk=3))  # type: ignore[union-attr]
    assert purged == 7
    assert [r.consent_id for r in SqliteConsentLog(consent_log_db(client)).records(OPT_IN)] == ["recent"]


def test_a_proof_is_kept_after_the_longest_choice_the_sites_served_remember(tmp_path: Path) -> None:
    content = load_content(write_content(tmp_path / "content", consent_sites()))
    lifetimes = {s.notice.cookies.consent_lifetime_months for s in content.sites}
    assert log.longest_choice_months(content) == max(lifetimes)
    # Thirteen months (the CNIL's ceiling) before the five years: the cutoff of the earlier, fixed rule.
    assert log.proof_cutoff(NOW, 5, 13) == NOW - timedelta(days=396 + 5 * 365 + 1)
    assert log.proof_cutoff(NOW, 5, 6) > log.proof_cutoff(NOW, 5, 13)
    # No site using the widget: the widget's own ceiling.
    assert log.longest_choice_months(load_content(write_content(tmp_path / "none", {}))) == 24
