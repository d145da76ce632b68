"""SIGKILL in the middle of a burst of submissions, then a restart: every request
confirmed to its sender (303) is in the database and reaches the inbox exactly once."""

from __future__ import annotations

import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from tests.factories import REPO, settings_env, write_content
from tests.rights.conftest import form_notice, good_form, maildir_messages
from tests.support.quality import free_port

BURST = 600  # bounded: at most this many posts, all to 127.0.0.1
WORKERS = 4


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as errors:
        # The real entry point; rate limits lifted, since every post comes from 127.0.0.1.
        process = subprocess.Popen([sys.executable, "server.py", "--port", str(port)], cwd=REPO,
                                   # The public origin: the address it listens on, as in development.
                                   env={**os.environ, **env, "PRIVACY_RIGHTS_LIMITS": "1000000/60,1000000/60",
                                        "PRIVACY_PUBLIC_ORIGIN": ""},
                                   stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/rights/clinique/fr/")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the server did not start: {log.read_text()}")


def _burst(port: int, confirmed: list[str], counter: list[int], lock: threading.Lock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while True:
        with lock:
            if counter[0] >= BURST:
                return
            n = counter[0] = counter[0] + 1
        email = f"patient{n}@example.fr"
        body = urlencode(good_form(email=email, details=f"Demande numéro {n}"), doseq=True)
        try:
            connection.request("POST", "/rights/clinique/fr/", body=body,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            return  # the server is gone: this one was never confirmed
        if response.status == 303:
            with lock:
                confirmed.append(email)


def test_sigkill_during_a_burst_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    env = settings_env(tmp_path, content)
    port = free_port()
    server = _start(env, port, tmp_path / "server.log")
    confirmed: list[str] = []
    counter, lock = [0], threading.Lock()
    threads = [threading.Thread(target=_burst, args=(port, confirmed, counter, lock)) for _ in range(WORKERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    while len(confirmed) < 60 and time.monotonic() - started < 30:
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)  # mid-burst: posts and mail deliveries in flight
    server.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - started
    assert 60 <= len(confirmed) < BURST, "the kill must land in the middle of the burst"
    print(f"\n{len(confirmed)} requests confirmed in {elapsed:.2f}s ({len(confirmed) / elapsed:.0f}/s) before SIGKILL")

    server = _start(env, free_port(), tmp_path / "server.log")  # the restarted worker delivers what was left
    database = tmp_path / "var" / "privacy.sqlite3"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db = sqlite3.connect(database)
            waiting = db.execute("SELECT COUNT(*) FROM rights_outbox WHERE sent_at IS NULL").fetchone()[0]
            db.close()
            if waiting == 0:
                break
            time.sleep(0.2)
        assert waiting == 0
    finally:
        server.terminate()
        server.wait(timeout=10)

    db = sqlite3.connect(database)
    stored = {email: reference for email, reference in db.execute("SELECT email, reference FROM rights_requests")}
    db.close()
    assert set(confirmed) <= set(stored)
    messages = maildir_messages(tmp_path / "var" / "maildir")
    ids = Counter(str(m["Message-ID"]) for m in messages)
    assert [i for i, n in ids.items() if n > 1] == []
    for email in confirmed:
        reference = stored[email]
        assert ids[f"<{reference}.dpo@localhost>"] == 1
        assert ids[f"<{reference}.acknowledgment@localhost>"] == 1
    # Requests that were stored but not confirmed (killed before the 303 left) are delivered too.
    assert len(ids) == 2 * len(stored)
