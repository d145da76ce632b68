"""The storage interfaces (privacy/stores.py), the same tests on each backend: SQLite files and a real
PostgreSQL server. What the features rely on: one transaction per session, a lease no other pass takes, limits
counted in the transaction, runs claimed once, an append-only proof log, and a refused write leaving nothing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from privacy.backends import open_stores
from privacy.consent.log import ConsentRecord
from privacy.rate_limits import Counter, Limit
from privacy.settings import load_settings, prepare_var_dir
from privacy.stores import NewRequest, QueuedMail, RightsSession, StorageFailed, Stores
from tests.factories import settings_env
from tests.support.backends import backend_env

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_backend(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Iterator[Callable[[], Stores]]:
    """``open_backend()`` → the stores of one instance; call it twice for two instances on one database."""
    opened: list[Stores] = []
    env = settings_env(tmp_path, tmp_path / "content", **backend_env(tmp_path, backend, request))

    def factory() -> Stores:
        settings = load_settings(env)
        prepare_var_dir(settings)
        opened.append(open_stores(settings))
        return opened[-1]

    yield factory
    for stores in opened:
        stores.close()


@pytest.fixture
def stores(open_backend: Callable[[], Stores]) -> Stores:
    return open_backend()


def _request(reference: str = "K7M4-QX9T-PW2R", fingerprint: str = "f1") -> NewRequest:
    return NewRequest(
        reference=reference,
        site="clinique",
        language="fr",
        rights="access,erasure",
        relationship="patients",
        name="Zoé Lefèvre",
        email="zoe@example.fr",
        details="Copie du compte rendu d'IRM",
        file_reference="IRM-778",
        fingerprint=fingerprint,
        received_at=NOW,
        due_on=date(2026, 4, 2),
        confirm_hash="c" * 64,
        receipt_hash="r" * 64,
    )


def _mail(reference: str, kind: str) -> QueuedMail:
    return QueuedMail(f"<{reference}.{kind}@x>", reference, kind, "dpo@x.example", None, draft="{}")


def test_a_request_is_stored_found_confirmed_closed_extended_and_erased(stores: Stores) -> None:
    with stores.rights.transaction() as session:
        session.register.insert(_request())
    with stores.rights.transaction() as session:
        found = session.register.get("K7M4-QX9T-PW2R")
        assert found is not None and found.name == "Zoé Lefèvre" and found.received_at == NOW
        assert found.due_on == date(2026, 4, 2) and [r.value for r in found.rights] == ["access", "erasure"]
        assert session.register.by_receipt("r" * 64, "clinique") == found
        assert session.register.by_confirmation("c" * 64, "another-site") is None
        assert session.register.duplicate_of("f1", NOW - timedelta(minutes=10)) == ("K7M4-QX9T-PW2R", found.due_on)
        assert session.register.duplicate_of("f1", NOW + timedelta(seconds=1)) is None
        assert session.register.confirm("K7M4-QX9T-PW2R", NOW) and not session.register.confirm("K7M4-QX9T-PW2R", NOW)
        session.register.extend("K7M4-QX9T-PW2R", "a long file", date(2026, 6, 2), NOW)
        assert session.register.close("K7M4-QX9T-PW2R", NOW) and not session.register.close("K7M4-QX9T-PW2R", NOW)
        session.register.erase("K7M4-QX9T-PW2R", NOW)
        [erased] = session.register.every("clinique")
    assert (erased.name, erased.email, erased.details, erased.extension_reason) == (None, None, None, None)
    assert (erased.status, erased.due_on, erased.purged_at) == ("closed", date(2026, 6, 2), NOW)


def test_a_failed_transaction_leaves_nothing(stores: Stores) -> None:
    with pytest.raises(StorageFailed), stores.rights.transaction() as session:
        session.register.insert(_request())
        session.outbox.enqueue(_mail("K7M4-QX9T-PW2R", "dpo"), NOW)
        session.register.insert(_request())  # the same reference twice: refused
    with stores.rights.transaction(reading=True) as session:
        assert session.register.every() == [] and session.outbox.every() == []


def test_a_group_write_is_committed_before_its_answer(stores: Stores) -> None:
    def insert(n: int) -> Callable[[RightsSession], None]:
        return lambda session: session.register.insert(_request(f"AAAA-BBBB-{n:04d}", f"f{n}"))

    async def write() -> None:
        await asyncio.gather(*(stores.rights.write(insert(n)) for n in range(20)))

    asyncio.run(write())
    with stores.rights.transaction(reading=True) as session:
        assert len(session.register.every()) == 20


def test_two_instances_never_lease_the_same_mail(open_backend: Callable[[], Stores]) -> None:
    first, second = open_backend(), open_backend()
    with first.rights.transaction() as session:
        for n in range(40):
            session.outbox.enqueue(_mail(f"R{n:03d}", "dpo"), NOW)
    taken: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def lease(stores: Stores, into: list[int]) -> None:
        start.wait()
        while True:
            with stores.rights.transaction() as session:
                mails = session.outbox.lease(NOW, 3, NOW + timedelta(minutes=1))
            if not mails:
                return
            into += [mail.id for mail in mails]

    threads = [threading.Thread(target=lease, args=(s, into)) for s, into in zip((first, second), taken, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken[0] + taken[1]) == sorted(set(taken[0] + taken[1])) and len(taken[0] + taken[1]) == 40


def test_the_outbox_records_each_outcome(stores: Stores) -> None:
    with stores.rights.transaction() as session:
        session.outbox.enqueue(_mail("R1", "dpo"), NOW)
        session.outbox.enqueue(_mail("R1", "dpo"), NOW)  # the same Message-ID: ignored
        session.outbox.enqueue(_mail("R1", "acknowledgment"), NOW)
        first, second = session.outbox.lease(NOW, 10, NOW + timedelta(seconds=30))
        assert first.leased_until is None  # as it was before this lease
        assert session.outbox.lease(NOW, 10, NOW + timedelta(seconds=30)) == []  # held
        session.outbox.sent(first.id, NOW)
        session.outbox.keep_message(second.id, b"composed")
        session.outbox.failed_attempt(second.id, 1, "SMTPConnectError", NOW + timedelta(seconds=30), None)
        backlog = session.outbox.backlog(NOW)
        assert (backlog.waiting, backlog.held, backlog.failed) == (1, 0, 0)
        assert session.outbox.next_due() == NOW + timedelta(seconds=30)
        assert session.outbox.resume(NOW) == 1 and session.outbox.next_due() == NOW
        [unsent] = session.outbox.unsent()
        assert (unsent.message, unsent.draft, unsent.attempts, unsent.last_error) == (
            b"composed",
            None,
            1,
            "SMTPConnectError",
        )
        session.outbox.failed_attempt(second.id, 16, "SMTPRecipientsRefused 550", NOW, NOW)
        assert session.outbox.backlog(NOW).failed == 1
        assert session.outbox.retry(NOW, second.id) == 1 and session.outbox.find(second.id).failed_at is None  # type: ignore[union-attr]
        session.outbox.forget("R1")
        assert session.outbox.every() == []


def test_limits_are_counted_in_the_transaction_and_shared_by_instances(open_backend: Callable[[], Stores]) -> None:
    first, second = open_backend(), open_backend()
    counter = Counter("test.address", Limit(5, 60), "key")

    def post(stores: Stores, at: float) -> bool:
        with stores.rights.transaction() as session:
            return counter.take(session.rate_limits, "192.0.2.1", at).allowed

    allowed: list[bool] = []
    lock = threading.Lock()

    def burst(stores: Stores) -> None:
        for _ in range(5):
            verdict = post(stores, 1000.0)
            with lock:
                allowed.append(verdict)

    threads = [threading.Thread(target=burst, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert allowed.count(True) == 5  # ten posts on two instances at once: the one limit holds
    assert post(second, 1061.0)  # and frees up when the window has passed


def test_a_scheduled_run_is_claimed_once_per_period_across_instances(open_backend: Callable[[], Stores]) -> None:
    first, second = open_backend(), open_backend()
    period = timedelta(hours=6)

    def claim(stores: Stores, at: datetime) -> bool:
        with stores.consent.transaction() as session:
            return session.runs.claim("consent.purge", at, period)

    assert claim(first, NOW) and not claim(second, NOW + timedelta(minutes=1))
    assert claim(second, NOW + period) and not claim(first, NOW + period)


def _entry(at: datetime, consent_id: str) -> ConsentRecord:
    return ConsentRecord(
        consent_id, at, "clinique", "r1", "h", "fr", "customize", {"b": True, "a": False}, True, "form"
    )


def test_the_proof_log_keeps_each_entry_as_written_and_deletes_by_age_only(stores: Stores) -> None:
    with stores.consent.transaction() as session:
        session.log.append(_entry(NOW - timedelta(days=3), "old"))
        session.log.append(_entry(NOW, "new"))
    with stores.consent.transaction(reading=True) as session:
        old, new = session.log.records("clinique")
        assert (old.consent_id, new.consent_id) == ("old", "new")
        assert new.recorded_at == NOW.replace(microsecond=0) and new.choices == {"a": False, "b": True}
        assert (new.gpc, new.channel, new.action) == (True, "form", "customize")
        assert [r.consent_id for r in session.log.records("clinique", since=NOW - timedelta(days=1))] == ["new"]
        assert session.log.count_before(NOW - timedelta(days=1)) == 1
    with stores.consent.transaction() as session:
        assert session.log.purge(NOW - timedelta(days=1), 10) == 1
    with stores.consent.transaction(reading=True) as session:
        assert [r.consent_id for r in session.log.records("clinique")] == ["new"]


def test_the_proof_log_refuses_an_update(stores: Stores, backend: str) -> None:
    with stores.consent.transaction() as session:
        session.log.append(_entry(NOW, "kept"))
    # What the interface does not offer, tried on the database itself: the trigger refuses it.
    with pytest.raises(StorageFailed, match="append-only"), stores.consent.transaction() as session:
        connection = session.log.connection if backend == "postgresql" else session.log.db  # type: ignore[attr-defined]
        connection.execute("UPDATE consent_log SET action = 'accept'")


def test_a_receipts_proof_is_found_by_its_consent_id_through_its_index(stores: Stores, backend: str) -> None:
    with stores.consent.transaction() as session:
        for n in range(300):  # a busy site: other people's choices in the same seconds, before and after
            session.log.append(_entry(NOW + timedelta(seconds=n % 3 - 1), f"other-{n}"))
        session.log.append(_entry(NOW - timedelta(days=1), "visitor"))  # the visitor's earlier choice
        session.log.append(_entry(NOW, "visitor"))
    with stores.consent.transaction(reading=True) as session:
        found = session.log.proof_of("clinique", "visitor", NOW.replace(microsecond=0))
        assert found is not None and found.recorded_at == NOW.replace(microsecond=0)
        assert session.log.proof_of("clinique", "visitor", NOW - timedelta(days=1)) is not None
        assert session.log.proof_of("clinique", "visitor", NOW + timedelta(seconds=1)) is None  # no choice then
        assert session.log.proof_of("elsewhere", "visitor", NOW) is None
        # Found through the index, not by reading the site's log.
        if backend == "postgresql":
            connection = session.log.connection  # type: ignore[attr-defined]
            connection.execute("ANALYZE consent_log")
            # A few pages are read faster whole: ask which index the planner takes for a log too long for that.
            connection.execute("SET LOCAL enable_seqscan = off")
            rows = connection.execute(
                "EXPLAIN SELECT * FROM consent_log WHERE consent_id = %s AND recorded_at = %s AND site = %s",
                ("visitor", NOW.replace(microsecond=0), "clinique"),
            ).fetchall()
            plan = " ".join(str(row["QUERY PLAN"]) for row in rows)
        else:
            rows = session.log.db.execute(  # type: ignore[attr-defined]
                "EXPLAIN QUERY PLAN SELECT * FROM consent_log WHERE consent_id = ? AND recorded_at = ? AND site = ?",
                ("visitor", NOW.replace(microsecond=0).isoformat(), "clinique"),
            ).fetchall()
            plan = " ".join(str(row[3]) for row in rows)
        assert "consent_log_consent_id" in plan, plan
