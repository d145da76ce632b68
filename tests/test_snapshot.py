"""The running server follows the build: a rebuild is served without a restart, whole, and only a complete one."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from starlette.testclient import TestClient

from privacy.content import load_content
from privacy.incremental import MANIFEST, site_hashes
from privacy.snapshot import BuildFollower, Published, manifest_identity
from tests.factories import REPO, TEST_ORIGIN, minimal_notice, optional_cookies, settings_env, write_content
from tests.security.conftest import running_server

T = TypeVar("T")
SAME_ORIGIN = {"Origin": TEST_ORIGIN, "Sec-Fetch-Site": "same-origin"}
ADVERTISING = {
    "name": "_ads",
    "provider": "Régie",
    "category": "advertising",
    "duration": "6 months",
    "purpose": {"fr": "Publicité", "en": "Advertising"},
}


def build(content: Path, public: Path) -> None:
    """A real build, in its own process, as an editor runs it while the server serves."""
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "--content", str(content), "--out", str(public)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def eventually(found: Callable[[], T | None], what: str, seconds: float = 30.0) -> T:
    """What ``found`` gives once it gives something, within a bounded wait (the server looks once a second)."""
    deadline = time.monotonic() + seconds
    while True:
        value = found()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def with_advertising() -> dict[str, Any]:
    cookies = optional_cookies()
    return minimal_notice(cookies={**cookies, "items": [*cookies["items"], ADVERTISING]})


@pytest.fixture
def site_folders(tmp_path: Path) -> tuple[Path, Path]:
    """A content folder with the site ``clinique`` (opt-in: audience measurement), built into public/."""
    content = write_content(tmp_path / "content", {"clinique": minimal_notice(cookies=optional_cookies())})
    build(content, tmp_path / "public")
    return content, tmp_path / "public"


def _state(client: TestClient, site: str, **cookies: str) -> dict[str, Any]:
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    response = client.get("/consent", params={"site": site, "lang": "fr"}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _accept(client: TestClient, site: str) -> tuple[dict[str, Any], str]:
    client.cookies.clear()
    response = client.post("/consent", json={"site": site, "lang": "fr", "action": "accept"}, headers=SAME_ORIGIN)
    assert response.status_code == 200, response.text
    return response.json(), response.cookies[f"consent-{site}"]


def test_a_rebuild_is_served_without_a_restart(
    make_client: Callable[..., TestClient], site_folders: tuple[Path, Path]
) -> None:
    content, public = site_folders
    client = make_client(content)
    recorded, cookie = _accept(client, "clinique")
    before = _state(client, "clinique", **{"consent-clinique": cookie})
    assert before["decided"] and set(before["choices"]) == {"audience_measurement"}
    assert client.get("/consent", params={"site": "cabinet"}).status_code == 404
    assert client.get("/rights/cabinet/fr/").status_code == 404

    write_content(
        content,
        {
            "clinique": with_advertising(),
            "cabinet": minimal_notice(
                publisher={"name": "Cabinet Exemple", "contact": {"email": "contact@cabinet.example"}}
            ),
        },
    )
    build(content, public)

    # A new site: its consent endpoint and its rights form answer, without a restart.
    eventually(lambda: client.get("/consent", params={"site": "cabinet"}).status_code == 200, "the new site served")
    form = client.get("/rights/cabinet/fr/")
    assert form.status_code == 200 and "Cabinet Exemple" in form.text
    # A changed cookie inventory: a new revision, so the banner asks again, with the new category.
    after = _state(client, "clinique", **{"consent-clinique": cookie})
    assert after["revision"] != before["revision"] == recorded["revision"]
    assert not after["decided"]
    assert set(after["choices"]) == {"audience_measurement", "advertising"}
    again, _ = _accept(client, "clinique")
    assert again["revision"] == after["revision"]


def test_a_removed_site_answers_404_once_rebuilt(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice(), "cabinet": minimal_notice()})
    build(content, tmp_path / "public")
    client = make_client(content)
    assert client.get("/rights/cabinet/fr/").status_code == 200

    (content / "cabinet" / "policy.yaml").unlink()
    (content / "cabinet").rmdir()
    build(content, tmp_path / "public")

    eventually(lambda: client.get("/consent", params={"site": "cabinet"}).status_code == 404, "the site gone")
    assert client.get("/rights/cabinet/fr/").status_code == 404
    assert client.get("/consent", params={"site": "clinique"}).status_code == 200


def test_changed_rights_settings_are_followed(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice(), "cabinet": minimal_notice()})
    build(content, tmp_path / "public")
    client = make_client(content)
    form = client.get("/rights/clinique/en/")
    assert form.status_code == 200 and 'value="portability"' not in form.text

    offered = ["access", "rectification", "erasure", "restriction", "objection", "portability"]
    write_content(
        content,
        {
            "clinique": minimal_notice(
                rights={
                    "offered": offered,
                    "channels": {"email": "dpo@clinique.example", "online_form": True},
                    "request_retention": "1 year",
                }
            ),
            "cabinet": minimal_notice(rights={"offered": offered, "channels": {"email": "dpo@cabinet.example"}}),
        },
    )
    build(content, tmp_path / "public")

    eventually(lambda: 'value="portability"' in client.get("/rights/clinique/en/").text, "the new right offered")
    assert client.get("/rights/cabinet/en/").status_code == 404  # its form is no longer offered


def test_every_answer_during_a_rebuild_is_of_one_build(
    make_client: Callable[..., TestClient], site_folders: tuple[Path, Path]
) -> None:
    content, public = site_folders
    client = make_client(content, PRIVACY_CONSENT_LIMITS="100000/600")

    # Each answer holds facts from several pieces of a snapshot: the inventory's revision and categories, the
    # banner's wording (its hash names the publisher too).
    def state() -> tuple[Any, ...]:
        answer = _state(client, "clinique")
        return (
            "GET",
            answer["revision"],
            tuple(answer["choices"]),
            tuple(c["id"] for c in answer["categories"]),
            answer["hash"],
        )

    def choice() -> tuple[Any, ...]:
        answer, _ = _accept(client, "clinique")
        return ("POST", answer["revision"], tuple(answer["choices"]))

    old = {state(), choice()}
    write_content(
        content,
        {
            "clinique": {
                **with_advertising(),
                "publisher": {"name": "Clinique Nouvelle", "contact": {"email": "contact@clinique.example"}},
            }
        },
    )
    rebuild = threading.Thread(target=build, args=(content, public))
    rebuild.start()
    answers: list[tuple[Any, ...]] = []
    first_new: int | None = None
    try:
        # Bounded: at most 4,000 rounds, and 100 once an answer of the new build came.
        for _ in range(4000):
            answers += [state(), choice()]
            if first_new is None and not old.issuperset(answers[-2:]):
                first_new = next(i for i, answer in enumerate(answers) if answer not in old)
            if first_new is not None and len(answers) - first_new >= 200:
                break
    finally:
        rebuild.join()
    new = {state(), choice()}
    assert first_new is not None, "the rebuild was never answered"
    assert first_new > 0  # some answers came while the build ran
    assert {revision for _, revision, *_ in new}.isdisjoint(revision for _, revision, *_ in old)
    assert set(answers) <= old | new, "an answer mixed two builds"
    assert set(answers[first_new:]) <= new, "the previous build came back"


def test_content_edited_after_its_build_is_not_served(
    make_client: Callable[..., TestClient],
    site_folders: tuple[Path, Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    caplog.set_level(logging.INFO, logger="privacy.snapshot")
    content, public = site_folders
    client = make_client(content)
    old = _state(client, "clinique")
    # The build reads one version of the file; by the time it ends, the editor has saved half of the next one.
    built = write_content(tmp_path / "elsewhere", {"clinique": with_advertising()})
    write_content(content, {"clinique": "languages: [fr, en]\npublisher:\n  name: Clinique\n  contact: {email: \n"})
    registry = content / "_registry.yaml"
    registry.write_text(registry.read_text(encoding="utf-8") + "\n# a law being added\n", encoding="utf-8")
    build(built, public)

    eventually(lambda: "_registry.yaml. The server keeps" in caplog.text, "the operator told")
    assert f"{content / 'clinique' / 'policy.yaml'}, " in caplog.text
    assert _state(client, "clinique")["revision"] == old["revision"]
    assert "ERROR" not in caplog.text  # the half-written file was not even read

    # The files saved whole again, as that build read them: its content is served.
    for name in ("clinique/policy.yaml", "_registry.yaml"):
        (content / name).write_bytes((built / name).read_bytes())
    eventually(lambda: _state(client, "clinique")["revision"] != old["revision"], "the build's content served")
    assert "is served from now on" in caplog.text


def test_content_that_does_not_load_keeps_the_previous_snapshot(
    make_client: Callable[..., TestClient],
    site_folders: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    caplog.set_level(logging.INFO, logger="privacy.snapshot")
    content, public = site_folders
    client = make_client(content)
    old = _state(client, "clinique")
    # What a build by another version of the code, which accepted a field this server does not know, leaves: its
    # manifest vouches for a file this server cannot load.
    policy = content / "clinique" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "unknown_field: 1\n", encoding="utf-8")
    manifest = json.loads((public / MANIFEST).read_text(encoding="utf-8"))
    manifest["sites"]["clinique"]["hash"] = hashlib.sha256(policy.read_bytes()).hexdigest()
    staged = public / ".build" / "manifest.json.new"
    staged.write_text(json.dumps(manifest), encoding="utf-8")
    os.replace(staged, public / MANIFEST)

    eventually(lambda: "ce serveur trouve des erreurs" in caplog.text, "the operator told, in their language")
    assert "unknown_field" in caplog.text and "policy.yaml" in caplog.text
    assert _state(client, "clinique") == old
    assert client.get("/rights/clinique/fr/").status_code == 200


def test_server_py_follows_build_py(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"clinique": minimal_notice()})
    public = tmp_path / "public"
    build(content, public)
    env = settings_env(tmp_path, content, public, PRIVACY_PUBLIC_ORIGIN="")

    with running_server(env, tmp_path / "server.log") as port:

        def status(path: str) -> int:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                    return int(answer.status)
            except urllib.error.HTTPError as error:
                return error.code

        assert status("/consent?site=cabinet") == 404
        write_content(content, {"cabinet": minimal_notice()})
        build(content, public)
        eventually(lambda: status("/consent?site=cabinet") == 200, "the new site served by server.py")
        assert status("/rights/cabinet/fr/") == 200
        assert status("/cabinet/fr/") == 200


def test_content_out_of_step_is_hashed_again_only_once_it_changes(
    site_folders: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, public = site_folders
    published = Published(load_content(content), manifest_identity(public))
    follower = BuildFollower(published, content, public)
    passes: list[Path] = []

    def hashing(folder: Path) -> dict[str, str | None]:
        passes.append(folder)
        return site_hashes(folder)

    monkeypatch.setattr("privacy.snapshot.site_hashes", hashing)
    built = write_content(tmp_path / "elsewhere", {"clinique": with_advertising()})
    build(built, public)
    policy = content / "clinique" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# being edited\n", encoding="utf-8")

    for _ in range(5):  # five seconds of the server looking
        asyncio.run(follower.check())
    assert len(passes) == 1, "one look at the files, then none while nothing changes"
    assert published.current.build is None  # still the content read at start

    policy.write_bytes((built / "clinique" / "policy.yaml").read_bytes())  # saved as the build read it
    asyncio.run(follower.check())
    assert len(passes) == 3  # before and after reading the content
    assert published.current.build is not None
