"""Every example in README.md and docs/ runs against the shipped content, as a newcomer would paste it.

Shell lines run in a copy of the repository's content, through bash, with ``.venv/bin/python`` pointing at this
interpreter; an option shown as ``[--format table|csv]`` runs with its first choice; the sample reference
``K7M4-QX9T-PW2R`` is a real request, made on the form first; ``/srv/backups`` is a temporary folder; ``dossier.pdf``
is a file to answer with. JSON is
posted to the real app, YAML is put in the shipped site it is about, HTML is compared with what the build wrote.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from starlette.testclient import TestClient

from privacy.app import create_app
from privacy.codes import CookieCategory
from privacy.content import POLICY_FILE, load_content
from privacy.lint import lint_site
from privacy.settings import load_settings
from tests.factories import EXAMPLE_CONTENT, REPO, TEST_ORIGIN, settings_env
from tests.rights.conftest import good_form
from tests.support.quality import free_port

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SAMPLE_REFERENCE = "K7M4-QX9T-PW2R"
SITE = "ihu-imagerie"
# Lines not run here, and why: each is run by a test of its own, or would change the repository itself.
NOT_RUN = {
    "consent-receipt": "checks a receipt a visitor downloaded (tests/consent/test_receipt.py runs it on one)",
    "make run": "installs a virtual environment (tests/test_makefile.py runs it, installed)",
    "make test": "the suite itself",
    "make catalogs": "rewrites the repository's catalogs",
    "privacy.catalogs": "rewrites the repository's catalogs",
    "build.py watch": "rebuilds until stopped (tests/test_build_cli.py runs it)",
    "build.py preview": "serves until stopped (tests/test_preview.py runs it)",
    "migrate --from": "moves into a PostgreSQL database (tests/test_migrations.py runs it against one)",
}
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(kind: str) -> list[tuple[str, str]]:
    return [
        (path.name, match.group(2))
        for path in DOCS
        for match in _FENCE.finditer(path.read_text(encoding="utf-8"))
        if match.group(1) == kind
    ]


def _runnable(line: str) -> str:
    """The line as typed: its comment dropped, options kept with their first choice."""
    line = re.sub(r"\s+#.*$", "", line).strip()
    line = re.sub(r"\[([^\]]*)\]", r"\1", line)
    return " ".join(token.split("|")[0] if "|" in token and "$(" not in token else token for token in line.split())


def shell_lines() -> list[tuple[str, str]]:
    return [
        (name, _runnable(line))
        for name, block in blocks("sh")
        for line in block.splitlines()
        if line.strip() and not any(skipped in line for skipped in NOT_RUN)
    ]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out as the repository is for a newcomer: the content, server.py, build.py, .venv/bin/python."""
    root = tmp_path_factory.mktemp("newcomer")
    shutil.copytree(EXAMPLE_CONTENT, root / "content")
    for script in ("server.py", "build.py"):
        shutil.copy(REPO / script, root / script)
    (root / ".venv" / "bin").mkdir(parents=True)
    python = root / ".venv" / "bin" / "python"  # a link would lose the virtual environment: a wrapper keeps it
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    (root / "backups").mkdir()
    (root / "dossier.pdf").write_bytes(b"%PDF-1.7\n% the answer a DPO sends (requests answer --file)\n")
    return root


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_")}
    env.update(settings_env(root, root / "content", root / "public"))
    env.pop("PRIVACY_PUBLIC_ORIGIN")  # development: the address it listens on, as for a newcomer
    env["PYTHONPATH"] = str(REPO)  # the copied scripts import this checkout's package
    return env


def _request_reference(root: Path, requester: str) -> str:
    """A real request on the shipped site's form, made with the settings the commands use."""
    settings = load_settings({**_environment(root), "PRIVACY_PUBLIC_ORIGIN": TEST_ORIGIN})
    with TestClient(create_app(settings), base_url=TEST_ORIGIN) as client:
        sent = client.post(
            f"/rights/{SITE}/fr/",
            data=good_form(email=f"{requester}@example.fr", details=f"Une copie de mon dossier ({requester})."),
            headers={"Origin": TEST_ORIGIN, "Sec-Fetch-Site": "same-origin"},
        )
    found = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", sent.text)
    assert sent.status_code == 200 and found, sent.text[:500]
    return found.group(0)


def _serve(root: Path, line: str, env: dict[str, str]) -> None:
    """The serving line: it answers its first page, then is stopped (bounded: 60 seconds)."""
    port = free_port()
    command = line.replace("--port 8000", f"--port {port}")
    server = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=root, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{SITE}/fr/", timeout=5) as answer:
                    assert answer.status == 200
                    return
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not answer within 60 seconds"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stderr:
            server.stderr.close()


def test_every_shell_example_runs_against_the_shipped_content(workspace: Path) -> None:
    env = _environment(workspace)
    lines = shell_lines()
    assert len(lines) >= 20  # the docs' examples, not an empty match
    references: dict[str, str] = {}  # one request for each document: each extends it once, as the law allows
    failed = []
    for name, line in lines:
        if SAMPLE_REFERENCE in line:
            if name not in references:
                references[name] = _request_reference(workspace, f"requester{len(references)}")
            line = line.replace(SAMPLE_REFERENCE, references[name])
        line = line.replace("/srv/backups/privacy", str(workspace / "backups"))
        if line.startswith(".venv/bin/python server.py") and ("--host" in line or line.endswith("server.py")):
            _serve(workspace, line, env)
            continue
        done = subprocess.run(["bash", "-c", line], cwd=workspace, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            failed.append(f"{name}: {line}\n{done.stdout[-400:]}{done.stderr[-800:]}")
    assert failed == []


def test_the_embed_snippets_are_the_ones_the_build_writes(workspace: Path) -> None:
    public = workspace / "html-public"
    subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--content", str(workspace / "content"), "--out", str(public)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    embed = (public / SITE / "fr" / "consent-widget.html").read_text(encoding="utf-8")
    shown = html.unescape(embed)
    for _, block in blocks("html"):
        for line in block.splitlines():
            if "data-consent=" in line:  # markup for a site's own scripts: named by a category of the inventory
                category = re.search(r'data-consent="([a-z_]+)"', line)
                assert category and category.group(1) in {c.value for c in CookieCategory}, line
            elif line.strip():
                pattern = re.escape(line.strip()).replace(re.escape("<hash>"), "[0-9a-f]+")
                assert re.search(pattern, shown), f"{line} is not what the build shows on the embed page"


def test_every_json_example_is_accepted_by_the_real_endpoint(workspace: Path) -> None:
    settings = load_settings({**_environment(workspace), "PRIVACY_PUBLIC_ORIGIN": TEST_ORIGIN})
    examples = [json.loads(block) for _, block in blocks("json")]
    assert examples
    with TestClient(create_app(settings), base_url=TEST_ORIGIN) as client:
        for example in examples:
            answer = client.post(
                "/consent", json=example, headers={"Origin": TEST_ORIGIN, "Sec-Fetch-Site": "same-origin"}
            )
            assert answer.status_code == 200, (example, answer.text)


def test_every_yaml_example_is_valid_in_the_shipped_site(tmp_path: Path) -> None:
    examples = [yaml.safe_load(block) for _, block in blocks("yaml")]
    assert examples
    for index, example in enumerate(examples):
        root = tmp_path / str(index)
        shutil.copytree(EXAMPLE_CONTENT, root)
        policy = root / SITE / POLICY_FILE
        notice = yaml.safe_load(policy.read_text(encoding="utf-8"))
        notice.update(example)
        policy.write_text(yaml.safe_dump(notice, allow_unicode=True, sort_keys=False), encoding="utf-8")
        content = load_content(root)
        site = content.site(SITE)
        assert site is not None, [p.render("en") for p in content.errors]
        assert [p.render("en") for p in lint_site(site, content.registry) if p.severity == "error"] == []
