"""``server.py --workers N``: N processes share the port, each serving with its own lifespan, over one register
(here SQLite, the embedded default); a mistake in the settings is said once and starts no worker."""

from __future__ import annotations

import http.client
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from tests.factories import REPO, settings_env, write_content
from tests.faults.server import FORM, message_ids, start
from tests.rights.conftest import form_notice, good_form
from tests.support.quality import free_port


def _workers(supervisor: int, expected: int, seconds: float = 60) -> list[int]:
    """The worker processes the supervisor started (not multiprocessing's resource tracker), once ``expected``."""
    deadline = time.monotonic() + seconds
    found: list[int] = []
    while time.monotonic() < deadline:
        found = [pid for pid in _children(supervisor) if b"spawn_main" in _cmdline(pid)]
        if len(found) == expected:
            return sorted(found)
        time.sleep(0.2)
    raise AssertionError(f"{len(found)} workers of {supervisor} running, not {expected}")


def _children(parent: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        try:
            # /proc/PID/stat: "pid (name) state ppid …"; the name may hold spaces and parentheses.
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                children.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
    return children


def _cmdline(pid: int) -> bytes:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


@contextmanager
def _paused(pid: int) -> Iterator[None]:
    """``pid`` stopped: it accepts no connection, so another worker answers every one meanwhile."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _submit(port: int, email: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        body = urlencode(good_form(email=email), doseq=True)
        connection.request("POST", FORM, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _delivered(maildir: Path, mails: int, seconds: float = 60) -> list[bytes]:
    deadline = time.monotonic() + seconds
    while True:
        raw = [p.read_bytes() for sub in ("new", "cur") if (maildir / sub).is_dir() for p in (maildir / sub).iterdir()]
        if len(raw) >= mails or time.monotonic() > deadline:
            return raw
        time.sleep(0.2)


def test_two_workers_each_serve_over_one_sqlite_register(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    port = free_port()
    server = start(settings_env(tmp_path, content), port, tmp_path / "server.log", "--workers", "2")
    try:
        first, second = _workers(server.pid, 2)
        answered: dict[str, int] = {}
        for serving, paused in ((first, second), (second, first)):
            # A worker frozen inside a transaction (its outbox marking a mail sent) would hold SQLite's write
            # lock, and the other would answer 503 as it should: freeze one only once all mail so far is out.
            _delivered(tmp_path / "var" / "maildir", 2 * len(answered))
            time.sleep(1)
            with _paused(paused):
                for n in range(3):
                    email = f"patient{n}.by{serving}@example.fr"
                    answered[email] = _submit(port, email)
        assert set(answered.values()) == {303}, answered
        # One register: each worker's requests, and each mail delivered once, by whichever worker's outbox pass.
        raw = _delivered(tmp_path / "var" / "maildir", 2 * len(answered))
        db = sqlite3.connect(tmp_path / "var" / "privacy.sqlite3", timeout=10)
        try:
            stored = dict(db.execute("SELECT email, reference FROM rights_requests"))
        finally:
            db.close()
        assert sorted(stored) == sorted(answered)
        ids = message_ids(raw)
        assert sorted(ids.values()) == [1] * (2 * len(answered))
        assert all(
            ids[f"<{ref}.{kind}@localhost>"] == 1 for ref in stored.values() for kind in ("dpo", "acknowledgment")
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    # SIGTERM stops the supervisor and, each after its own shutdown, every worker.
    assert server.returncode == 0, (tmp_path / "server.log").read_text()
    assert [pid for pid in (first, second) if Path(f"/proc/{pid}").exists()] == []
    log = (tmp_path / "server.log").read_text()
    assert log.count("Application shutdown complete") == 2 and "Traceback" not in log


def test_a_worker_that_dies_is_replaced(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    port = free_port()
    server = start(settings_env(tmp_path, content), port, tmp_path / "server.log", "--workers", "2")
    try:
        first, second = _workers(server.pid, 2)
        os.kill(first, signal.SIGKILL)
        # A killed process keeps its command line until it has died, which takes a moment on a loaded machine.
        deadline = time.monotonic() + 60
        while first in (workers := _workers(server.pid, 2)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert second in workers and first not in workers
        replacement = next(pid for pid in workers if pid != second)
        with _paused(second):  # the replacement serves on its own
            deadline = time.monotonic() + 60
            while (status := _try_submit(port, "patient@example.fr")) != 303 and time.monotonic() < deadline:
                time.sleep(0.2)
        assert status == 303 and Path(f"/proc/{replacement}").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def _try_submit(port: int, email: str) -> int:
    try:
        return _submit(port, email)
    except OSError:
        return 0  # the replacement is still starting


def _server(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "server.py", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_mistake_in_the_settings_is_said_once_and_starts_no_worker(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    env = settings_env(tmp_path, content, PRIVACY_SMTP_PORT="twenty-five", LANG="fr_FR.UTF-8")
    result = _server(env, "--workers", "2", "--port", str(free_port()))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("PRIVACY_SMTP_PORT doit être un nombre") == 1
    assert "Started server process" not in result.stderr


def test_workers_are_one_or_more(tmp_path: Path) -> None:
    result = _server({"LANG": "C.UTF-8"}, "--workers", "0")
    assert result.returncode == 2 and result.stderr == "server.py: --workers must be 1 or more, not 0\n"
