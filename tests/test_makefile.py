"""README's first command, ``make run``: the runtime alone is installed, and ``PORT=8010 make run`` serves there."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.factories import EXAMPLE_CONTENT, REPO
from tests.support.quality import free_port


def _folder(tmp_path: Path) -> Path:
    """The Makefile beside what it reads, as in a fresh clone."""
    for name in ("Makefile", "pyproject.toml", "package.json", "package-lock.json", "build.py", "server.py"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(EXAMPLE_CONTENT, tmp_path / "content")
    return tmp_path


def test_make_run_installs_the_runtime_only(tmp_path: Path) -> None:
    planned = subprocess.run(
        ["make", "-n", "run"], cwd=_folder(tmp_path), capture_output=True, text=True, check=True, timeout=60
    ).stdout
    installs = [line for line in planned.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [".venv/bin/python -m pip install -q -e ."], planned  # no [test]: no Playwright
    assert "server.py --host 127.0.0.1 --port 8000" in planned


def test_make_test_installs_the_test_tools(tmp_path: Path) -> None:
    planned = subprocess.run(
        ["make", "-n", "test"], cwd=_folder(tmp_path), capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert ".venv/bin/python -m pip install -q -e '.[test]'" in planned


def test_port_make_run_serves_on_that_port(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    # Installed already (the stamps newer than pyproject.toml), by this interpreter: make goes straight to serving.
    bin_folder = folder / ".venv" / "bin"
    bin_folder.mkdir(parents=True)
    (bin_folder / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    (bin_folder / "python").chmod(0o755)
    for stamp in (".installed", ".installed-test"):
        (folder / ".venv" / stamp).touch()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_")}
    env.update(PORT=str(port), PYTHONPATH=str(REPO))
    server = subprocess.Popen(["make", "run"], cwd=folder, env=env, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ihu-imagerie/fr/", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "make run did not serve within 120 seconds"
                time.sleep(0.2)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # make and the server it started: this test's own group
        server.wait(timeout=30)
        if server.stderr:
            server.stderr.close()


def test_the_code_gate_holds_every_module_to_grade_c(tmp_path: Path) -> None:
    planned = subprocess.run(
        ["make", "-n", "lint"], cwd=_folder(tmp_path), capture_output=True, text=True, check=True, timeout=60
    ).stdout
    (xenon,) = [line.split() for line in planned.splitlines() if "xenon" in line]
    assert "--exclude" not in " ".join(xenon), "make lint leaves modules out of its complexity gate"
    xenon[0] = str(Path(sys.executable).parent / "xenon")
    gate = subprocess.run(xenon, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert gate.returncode == 0, gate.stdout + gate.stderr
