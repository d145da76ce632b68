"""A real server process (server.py) on loopback, and a bounded burst of rights requests against it."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlencode

from tests.factories import REPO
from tests.faults.injection import ignore_file_size_signal
from tests.rights.conftest import good_form

FORM = "/rights/clinique/fr/"


def start(
    env: dict[str, str], port: int, log: Path, *options: str, rights_limits: str = "1000000/60,1000000/60"
) -> subprocess.Popen[bytes]:
    """server.py on 127.0.0.1:port (with ``options``, such as ``--workers 2``), once it answers; rights limits
    lifted unless given (every post comes from 127.0.0.1), and the public origin the address it listens on, as in
    development."""
    # Its log through a pipe, written to ``log`` by this process: a server refused file writes
    # (injection.refuse_writes) still says what happened.
    process = subprocess.Popen(
        [sys.executable, "server.py", "--port", str(port), *options],
        cwd=REPO,
        env={**os.environ, **env, "PRIVACY_RIGHTS_LIMITS": rights_limits, "PRIVACY_PUBLIC_ORIGIN": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=ignore_file_size_signal,
    )
    threading.Thread(target=_copy, args=(process, log), daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", FORM)
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the server did not start: {log.read_text()}")


def _copy(process: subprocess.Popen[bytes], log: Path) -> None:
    assert process.stderr is not None
    with log.open("ab") as out, process.stderr:
        for line in process.stderr:
            out.write(line)
            out.flush()


@dataclass
class Burst:
    """Up to ``total`` posts from ``workers`` threads, each a new requester; what each post got."""

    port: int
    total: int
    workers: int = 4
    pause: float = 0.0  # between two posts of one worker: a steadier stream, for faults that take a moment
    statuses: Counter[int] = field(default_factory=Counter)
    confirmed: list[str] = field(default_factory=list)  # the requesters who saw the 303
    unanswered: int = 0  # the server went away before answering
    _sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Burst:
        self._threads = [threading.Thread(target=self._post) for _ in range(self.workers)]
        for thread in self._threads:
            thread.start()
        return self

    def wait_until(self, condition: Callable[[Burst], bool], seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not condition(self) and time.monotonic() < deadline and any(t.is_alive() for t in self._threads):
            time.sleep(0.005)

    def join(self) -> Burst:
        for thread in self._threads:
            thread.join(timeout=60)
        return self

    def _post(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            self._post_on(connection)
        finally:
            connection.close()

    def _post_on(self, connection: http.client.HTTPConnection) -> None:
        while True:
            with self._lock:
                if self._sent >= self.total:
                    return
                self._sent += 1
                n = self._sent
            email = f"patient{n}@example.fr"
            body = urlencode(good_form(email=email, details=f"Demande numéro {n}"), doseq=True)
            try:
                connection.request(
                    "POST", FORM, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
                )
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                with self._lock:
                    self.unanswered += 1
                return  # the server is gone: this one was never confirmed
            with self._lock:
                self.statuses[response.status] += 1
                if response.status == 303:
                    self.confirmed.append(email)
            if self.pause:
                time.sleep(self.pause)


def message_ids(raw: list[bytes]) -> Counter[str]:
    return Counter(str(message_from_bytes(data, policy=policy.default)["Message-ID"]) for data in raw)
