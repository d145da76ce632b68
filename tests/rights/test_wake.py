"""A mail queued by another process — the DPO's ``requests extend`` — is sent by the running server at once,
not at its outbox's next idle pass (a minute): the worker hears of others' commits (stores.Commits)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from starlette.testclient import TestClient

from privacy.app import create_app
from privacy.settings import load_settings
from privacy.sqlite.commits import DataVersion
from privacy.sqlite.database import connect
from tests.factories import REPO, TEST_ORIGIN, settings_env, write_content
from tests.rights.conftest import form_notice, good_form, maildir_messages


def _mails(maildir: Path, kind: str) -> list[object]:
    return [m for m in maildir_messages(maildir) if kind in str(m.get("Message-ID", ""))]


def test_a_mail_queued_by_the_command_line_leaves_while_the_server_idles(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": form_notice()})
    env = settings_env(tmp_path, content)
    maildir = tmp_path / "var" / "maildir"
    with TestClient(create_app(load_settings(env)), base_url=TEST_ORIGIN) as client:
        sent = client.post(
            "/rights/clinique/fr/",
            data=good_form(),
            headers={"Origin": TEST_ORIGIN, "Sec-Fetch-Site": "same-origin"},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        page = client.get(sent.headers["location"]).text
        reference = page.split('class="reference">')[1].split("<")[0]
        deadline = time.monotonic() + 30
        while len(_mails(maildir, "acknowledgment")) < 1:  # the post itself wakes the worker
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # The server now idles for a minute; the DPO extends the request from a shell, another process.
        extended = subprocess.run(
            [sys.executable, str(REPO / "server.py"), "requests", "extend", reference, "--reason", "Dossier archivé"],
            env={**{k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_")}, **env},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert extended.returncode == 0, extended.stdout + extended.stderr
        # Bounded well below the idle minute: without the wake, this mail would wait for it.
        deadline = time.monotonic() + 20
        while not _mails(maildir, "extension"):
            assert time.monotonic() < deadline, "the extension notice waited for the outbox's idle pass"
            time.sleep(0.05)


def test_the_change_counter_hears_a_commit_of_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "rights.sqlite3"
    other = connect(path)
    other.execute("CREATE TABLE t (x)")
    heard = DataVersion(path, every=0.01)

    async def scenario() -> None:
        waiting = asyncio.create_task(heard.next())
        for _ in range(20):  # looked at many times, with nothing committed: it keeps waiting
            await asyncio.sleep(0.01)
        assert not waiting.done()
        other.execute("INSERT INTO t VALUES (1)")
        await asyncio.wait_for(waiting, timeout=30)

    try:
        asyncio.run(scenario())
    finally:
        heard.close()
        other.close()
