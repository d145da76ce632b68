"""Two server processes on one PostgreSQL database, as behind a load balancer: 500 rights submissions and 2,000
consent posts split between them, one instance SIGKILLed in the middle of the bursts and restarted. Every
request confirmed to its sender reaches the DPO once and its sender once (each mail delivered by one instance
only), the rate limits hold across the instances as one, and the proof-of-consent log has an entry for every
choice answered."""

from __future__ import annotations

import http.client
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

from tests.consent.conftest import consent_sites
from tests.factories import settings_env, write_content
from tests.faults.server import FORM, Burst, message_ids, start
from tests.faults.test_crash import figures
from tests.rights.conftest import form_notice, good_form
from tests.support.quality import free_port

RIGHTS_POSTS = 500  # 250 to each instance
CONSENT_POSTS = 2000  # from 100 client addresses, 20 each, half to each instance
ADDRESSES = 100
CONSENT_LIMIT = 10  # choices per client address in the window: the instances together allow this many
SAME_MAILBOX_POSTS = 12  # one mailbox, alternately to each instance, past its limit of 3 a day
MAILBOX_LIMIT = 3


@dataclass
class ConsentBurst:
    """``total`` choices posted to one instance from threads, each from a client address (X-Forwarded-For,
    trusted from the loopback proxy) taken in turn; what each address got."""

    port: int
    total: int
    first: int  # this burst's share of the posts: numbers first .. first + total - 1
    workers: int = 4
    accepted: Counter[str] = field(default_factory=Counter)  # 200s per address
    statuses: Counter[int] = field(default_factory=Counter)
    unanswered: int = 0
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> ConsentBurst:
        self._threads = [threading.Thread(target=self._post) for _ in range(self.workers)]
        for thread in self._threads:
            thread.start()
        return self

    def join(self) -> ConsentBurst:
        for thread in self._threads:
            thread.join(timeout=120)
        return self

    def _post(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            while True:
                with self._lock:
                    if self._next >= self.total:
                        return
                    n = self.first + self._next
                    self._next += 1
                address = f"198.51.100.{n % ADDRESSES}"
                body = urlencode({"site": "clinique", "lang": "fr", "action": "reject"})
                headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address}
                try:
                    connection.request("POST", "/consent", body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    with self._lock:
                        self.unanswered += 1
                    return  # the instance is gone
                with self._lock:
                    self.statuses[response.status] += 1
                    if response.status in (200, 303):
                        self.accepted[address] += 1
        finally:
            connection.close()


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute(sql).fetchone()
        return int(row[0]) if row else 0


def _outbox_empty(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _count(url, "SELECT COUNT(*) FROM rights_outbox WHERE sent_at IS NULL") == 0:
            return True
        time.sleep(0.2)
    return False


def _same_mailbox(ports: tuple[int, int]) -> Counter[int]:
    """One requester posting new requests alternately to each instance: what each post got."""
    got: Counter[int] = Counter()
    for n in range(SAME_MAILBOX_POSTS):
        connection = http.client.HTTPConnection("127.0.0.1", ports[n % 2], timeout=10)
        body = urlencode(good_form(email="same.person@example.fr", details=f"Autre demande {n}"), doseq=True)
        connection.request("POST", FORM, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        connection.close()
        got[response.status] += 1
    return got


def test_two_instances_one_killed_deliver_each_mail_once_and_hold_the_limits_jointly(
    tmp_path: Path, postgres_database: str, report: Any
) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice(), **consent_sites()})
    shared = {
        "PRIVACY_DATABASE_URL": postgres_database,
        "PRIVACY_MAILDIR": str(tmp_path / "maildir"),  # one inbox, as one SMTP relay would be
        "PRIVACY_CONSENT_LIMITS": f"{CONSENT_LIMIT}/600",
        "PRIVACY_FORWARDED_ALLOW_IPS": "127.0.0.1",  # the load balancer, on this machine
    }
    envs = [settings_env(tmp_path, content, PRIVACY_VAR_DIR=str(tmp_path / f"var-{name}"), **shared) for name in "ab"]
    limits = f"1000000/60,{MAILBOX_LIMIT}/86400"
    ports = (free_port(), free_port())
    logs = (tmp_path / "a.log", tmp_path / "b.log")
    servers = [start(env, port, log, rights_limits=limits) for env, port, log in zip(envs, ports, logs, strict=True)]
    try:
        half = RIGHTS_POSTS // 2
        second = Burst(ports[1], RIGHTS_POSTS)
        second._sent = half  # its requesters are patient251… (a Burst numbers them from _sent + 1)
        rights = [Burst(ports[0], half).start(), second.start()]
        consents = [
            ConsentBurst(ports[0], CONSENT_POSTS // 2, 0).start(),
            ConsentBurst(ports[1], CONSENT_POSTS // 2, CONSENT_POSTS // 2).start(),
        ]
        rights[0].wait_until(lambda b: len(b.confirmed) >= 60)
        servers[0].send_signal(signal.SIGKILL)  # mid-burst: posts, commits and deliveries in flight
        servers[0].wait(timeout=10)
        for burst in rights:
            burst.join()
        for consent in consents:
            consent.join()
        killed = rights[0]
        assert 60 <= len(killed.confirmed) < half, "the kill must land in the middle of the burst"
        servers[0] = start(envs[0], ports[0], logs[0], rights_limits=limits)  # restarted, on the same address
        # What the killed instance's share did not get to, sent to it again; the burst numbers its requesters on.
        rest = Burst(ports[0], half - sum(killed.statuses.values()) - killed.unanswered)
        rest._sent = RIGHTS_POSTS  # new requesters: patient501…
        rest.total += RIGHTS_POSTS
        rights.append(rest.start().join())
        consent_sent = sum(sum(b.statuses.values()) + b.unanswered for b in consents)
        consents.append(ConsentBurst(ports[0], CONSENT_POSTS - consent_sent, consent_sent).start().join())
        mailbox = _same_mailbox(ports)
        assert _outbox_empty(postgres_database, 90)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)

    with psycopg.connect(postgres_database) as connection:
        stored = {str(e): str(r) for e, r in connection.execute("SELECT email, reference FROM rights_requests")}
    folder = tmp_path / "maildir"
    ids = message_ids([p.read_bytes() for sub in ("new", "cur") for p in (folder / sub).iterdir()])
    confirmed = [email for burst in rights for email in burst.confirmed]
    measured = figures(confirmed, stored, ids)
    posted = sum(sum(b.statuses.values()) + b.unanswered for b in rights)
    accepted = Counter[str]()
    for consent in consents:
        accepted.update(consent.accepted)
    answered_choices = sum(accepted.values())
    logged = _count(postgres_database, "SELECT COUNT(*) FROM consent_log")
    unanswered_choices = sum(b.unanswered for b in consents)
    report(
        "two instances on PostgreSQL, one SIGKILLed mid-burst and restarted",
        rights_posted=posted,
        consent_posted=sum(sum(b.statuses.values()) + b.unanswered for b in consents),
        **measured,
        choices_accepted=answered_choices,
        choices_logged=logged,
        most_choices_one_address=max(accepted.values()),
        same_mailbox_accepted=mailbox[303],
    )
    assert posted == RIGHTS_POSTS and measured["lost"] == 0 and measured["duplicated"] == 0
    assert measured["delivered_exactly_once"] == measured["confirmed"]
    # Stored but never confirmed (killed before its 303) is delivered too: two mails for every request stored.
    assert len(ids) == 2 * _count(postgres_database, "SELECT COUNT(*) FROM rights_requests")
    # One limit for both instances: no address got more choices recorded than the limit, nor one mailbox more
    # requests, wherever its posts went.
    assert max(accepted.values()) <= CONSENT_LIMIT and mailbox[303] == MAILBOX_LIMIT
    assert mailbox[429] == SAME_MAILBOX_POSTS - MAILBOX_LIMIT
    # Every choice answered is in the proof log; only those whose answer the kill cut off may be there unanswered.
    assert answered_choices <= logged <= answered_choices + unanswered_choices
    assert logged <= ADDRESSES * CONSENT_LIMIT
