"""The commands as a newcomer meets them: quiet when piped into head, an unknown site named with the known ones,
hints that give the command that works here, and every --help in the operator's language."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

import server
from privacy import command_line, i18n
from privacy.rights.mail import translator
from tests.factories import EXAMPLE_CONTENT, REPO, settings_env


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_")}
    env.update(settings_env(tmp_path, EXAMPLE_CONTENT), **extra)
    return env


@pytest.mark.parametrize(
    "command",
    [
        ["server.py", "consent-log", "--site", "ihu-imagerie"],
        ["server.py", "requests"],
        ["server.py", "--help"],
        ["build.py", "--help"],
    ],
)
def test_a_command_whose_reader_goes_away_ends_quietly(tmp_path: Path, command: list[str]) -> None:
    # As `… | head` does: the reader has gone before the command writes; no traceback, the shell's 141.
    ended = subprocess.Popen(
        [sys.executable, str(REPO / command[0]), *command[1:]],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert ended.stdout is not None and ended.stderr is not None
    ended.stdout.close()
    errors = ended.stderr.read().decode()
    ended.stderr.close()
    # argparse's help swallows the write error itself (exit 0); the others end as a shell tool does.
    assert ended.wait(timeout=120) in ((0, command_line.READER_GONE) if "--help" in command else (141,)), errors
    assert "Traceback" not in errors and "BrokenPipeError" not in errors


@pytest.mark.parametrize("command", [["consent-log", "--site", "nope"], ["requests", "--site", "nope"]])
def test_an_unknown_site_is_an_error_that_names_the_known_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    for name, value in _env(tmp_path, LANG="fr_FR.UTF-8").items():
        monkeypatch.setenv(name, value)
    assert server.main(command) == 2
    said = capsys.readouterr().err
    assert "«\u00a0nope\u00a0»" in said and "clininfo, ihu-imagerie, oiso-genomnis" in said


def test_the_hints_give_the_command_that_works_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # From the project's folder, with its virtual environment: the venv's Python, never a bare `python`.
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "executable", str(tmp_path / ".venv" / "bin" / "python"))
    monkeypatch.setattr(sys, "argv", ["server.py"])
    assert command_line.server_command() == ".venv/bin/python server.py"
    assert command_line.build_command() == ".venv/bin/python build.py"
    monkeypatch.setattr(sys, "argv", [str(tmp_path / ".venv" / "bin" / "privacy-notices")])
    assert command_line.server_command() == ".venv/bin/privacy-notices"


def test_the_console_script_is_declared_and_runs_server_py(capsys: pytest.CaptureFixture[str]) -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert declared == {"privacy-notices": "privacy.server_main:console_script"}
    from privacy.server_main import console_script

    with pytest.raises(SystemExit) as ended, pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["privacy-notices", "--help"])
        console_script()
    assert ended.value.code == 0 and "requests" in capsys.readouterr().out


def test_the_dpo_mail_gives_the_command_that_works(
    make_client: Callable[..., TestClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(command_line, "server_command", lambda: ".venv/bin/python server.py")
    _ = translator("fr")
    assert ".venv/bin/python server.py requests close" in (
        _("When the request is answered: %(command)s requests close %(reference)s")
        % {"command": command_line.server_command(), "reference": "K7M4-QX9T-PW2R"}
    )


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["requests", "--help"],
        ["requests", "extend", "--help"],
        ["mail", "retry", "--help"],
        ["consent-log", "--help"],
        ["deliver", "--help"],
        ["backup", "--help"],
    ],
)
def test_every_help_is_in_the_operators_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    with pytest.raises(SystemExit):
        server.main(command)
    shown = capsys.readouterr().out
    assert shown.startswith("utilisation\u00a0: ")
    assert "affiche cette aide, puis s'arrête" in shown
    for english in ("show this help", "usage:", "positional arguments", "the ", " only "):
        assert english not in shown, (english, shown)


def test_a_mistyped_command_is_answered_in_french(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    with pytest.raises(SystemExit):
        server.main(["requests", "extend", "K7M4-QX9T-PW2R"])
    assert "erreur\u00a0: ces arguments sont requis\u00a0: --reason" in capsys.readouterr().err


# A product command spelled out: an interpreter, then server.py, build.py or one of privacy's modules.
_SPELLED_COMMAND = re.compile(r"(?<![\w/.-])((?:[\w.-]*/)*python3?)\s+(server\.py|build\.py|-m\s+privacy\b)")
README_PYTHON = ".venv/bin/python"
# A hint that takes the command from command_line: "%(command)s requests close …".
_HINTED_COMMAND = re.compile(r"%\(command\)s ([a-z][\w-]*(?: [a-z][\w-]*)?)")


def _code_texts() -> list[tuple[str, str]]:
    """Every string of the code, messages, log lines and docstrings alike, with where it is."""
    found = []
    for path in sorted([*(REPO / "privacy").rglob("*.py"), REPO / "build.py", REPO / "server.py"]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((f"{path.relative_to(REPO)}:{node.lineno}", node.value))
    return found


def _catalog_entries() -> list[tuple[str, str, str]]:
    """(catalog, msgid, msgstr) of every language's catalogs."""
    entries = []
    for po in sorted(i18n.LOCALES_DIR.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id and isinstance(message.id, str):
                    entries.append((str(po.relative_to(REPO)), message.id, str(message.string)))
    return entries


def test_every_command_a_text_spells_out_is_in_the_form_readme_gives() -> None:
    documents = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "content" / "README.md"]
    texts = _code_texts() + [(str(path.relative_to(REPO)), path.read_text(encoding="utf-8")) for path in documents]
    texts += [(catalog, text) for catalog, msgid, msgstr in _catalog_entries() for text in (msgid, msgstr)]
    spelled = {(where, " ".join(m.groups())) for where, text in texts for m in _SPELLED_COMMAND.finditer(text)}
    assert spelled, "the pattern finds nothing: it no longer matches how commands are written"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"{README_PYTHON} server.py" in readme and f"{README_PYTHON} build.py" in readme
    # README's interpreter, the virtual environment's (a deployment's docs give its absolute path).
    wrong = sorted((where, form) for where, form in spelled if not form.split()[0].endswith(README_PYTHON))
    assert wrong == []


def test_every_hint_names_a_command_readme_documents_in_each_language() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert command_line.documented_command("server.py") == f"{README_PYTHON} server.py"
    hints = 0
    for catalog, msgid, msgstr in _catalog_entries():
        for words in _HINTED_COMMAND.findall(msgid):
            # The command and its subcommand when it has one ("mail retry"), not the sentence that follows.
            hinted = max(
                (" ".join(words.split()[:n]) for n in (1, 2)),
                key=lambda h: (f"server.py {h}" in readme or f"build.py {h}" in readme, len(h)),
            )
            assert f"server.py {hinted}" in readme or f"build.py {hinted}" in readme, (catalog, msgid)
            assert f"%(command)s {hinted}" in msgstr, (catalog, msgid, msgstr)  # the translation keeps it
            hints += 1
    assert hints >= 10
