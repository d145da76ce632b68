"""Settings: secrets from the environment, refusals of unsafe production settings, all documented."""

from __future__ import annotations

import ast
import dataclasses
import os
import secrets
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from privacy import settings_help
from privacy.settings import SETTINGS, Setting, SettingsError, load_settings
from privacy.settings_help import readme_with_table
from tests.factories import PRODUCTION, REPO, settings_env


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PRIVACY_SECRET_KEYS is required in production"):
        load_settings({"PRIVACY_ENV": "production", "PRIVACY_VAR_DIR": str(tmp_path)})


@pytest.mark.parametrize("environment", ["production", "development"])
def test_every_mode_refuses_a_short_key(tmp_path: Path, environment: str) -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        load_settings(
            {**PRODUCTION, "PRIVACY_ENV": environment, "PRIVACY_SECRET_KEYS": "short", "PRIVACY_VAR_DIR": str(tmp_path)}
        )


@pytest.mark.parametrize("key", ["a" * 32, "password" * 4, "0123456789" * 4, "abcdefghijklmnop" * 2 + "abcdefgh"])
def test_production_refuses_a_key_with_too_little_variety(key: str) -> None:
    with pytest.raises(SettingsError, match="too regular to be secret"):
        load_settings({**PRODUCTION, "PRIVACY_SECRET_KEYS": key})


@pytest.mark.parametrize("key", [secrets.token_urlsafe(32), secrets.token_hex(16), secrets.token_hex(32)])
def test_production_takes_a_random_key(key: str) -> None:
    assert load_settings({**PRODUCTION, "PRIVACY_SECRET_KEYS": key}).secret_keys == (key,)


def test_keys_newest_first(tmp_path: Path) -> None:
    new, old = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    settings = load_settings({**PRODUCTION, "PRIVACY_SECRET_KEYS": f"{new}, {old}"})
    assert settings.secret_keys == (new, old)


@pytest.mark.parametrize(
    "missing, message",
    [
        ("PRIVACY_PUBLIC_ORIGIN", "PRIVACY_PUBLIC_ORIGIN is required in production"),
        ("PRIVACY_FORWARDED_ALLOW_IPS", "production serves visitors over HTTPS only"),
        ("PRIVACY_SMTP_HOST", "production needs a route for the DPO's mail"),
    ],
)
def test_production_refuses_to_start_without(missing: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({**PRODUCTION, missing: ""})


def test_production_mail_may_go_to_a_maildir_chosen_explicitly(tmp_path: Path) -> None:
    settings = load_settings({**PRODUCTION, "PRIVACY_SMTP_HOST": "", "PRIVACY_MAILDIR": str(tmp_path / "inbox")})
    assert settings.smtp_host is None and settings.maildir == tmp_path / "inbox"


@pytest.mark.parametrize(
    "origin, message",
    [
        ("http://privacy.hospital.example", "must start with https:// in production"),
        ("https://privacy.hospital.example/rights", "a scheme and a host, no path"),
        ("privacy.hospital.example", "a scheme and a host, no path"),
    ],
)
def test_production_refuses_a_public_origin_that_is_not_https(origin: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({**PRODUCTION, "PRIVACY_PUBLIC_ORIGIN": origin})


def test_the_public_origin_comes_from_configuration_or_the_listening_address(tmp_path: Path) -> None:
    configured = load_settings({**PRODUCTION, "PRIVACY_PUBLIC_ORIGIN": "HTTPS://Privacy.Hospital.Example:443/"})
    assert configured.public_origin == "https://privacy.hospital.example"
    assert configured.public_hosts == {"privacy.hospital.example", "privacy.hospital.example:443"}
    development = load_settings({"PRIVACY_VAR_DIR": str(tmp_path)}, listen=("127.0.0.1", 8123))
    assert development.public_origin == "http://127.0.0.1:8123"
    assert "localhost:8123" in development.public_hosts and "localhost:8000" not in development.public_hosts


def test_development_keeps_one_private_key_across_restarts(tmp_path: Path) -> None:
    first = load_settings({"PRIVACY_VAR_DIR": str(tmp_path)})
    second = load_settings({"PRIVACY_VAR_DIR": str(tmp_path)})
    assert first.secret_keys == second.secret_keys and len(first.secret_keys[0]) >= 32
    assert (tmp_path / "development-secret-key").stat().st_mode & 0o077 == 0


def test_an_empty_or_short_development_key_file_is_refused(tmp_path: Path) -> None:
    # What a failed write of an earlier version left: signing with it would let anyone forge a cookie.
    for left in ("", "x" * 10):
        (tmp_path / "development-secret-key").write_text(left, encoding="utf-8")
        with pytest.raises(SettingsError, match="holds no usable key"):
            load_settings({"PRIVACY_VAR_DIR": str(tmp_path)})


def test_a_failed_write_of_the_development_key_leaves_no_short_key(tmp_path: Path) -> None:
    # A real failure: the first start may write 10 bytes at most (as on a disk that fills up mid-write).
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (10, 10))\n"
        "from privacy.settings import SettingsError, load_settings\n"
        "try:\n"
        f"    load_settings({{'PRIVACY_VAR_DIR': {str(tmp_path)!r}}})\n"
        "except SettingsError as error:\n"
        "    sys.exit('refused: ' + str(error))\n"
    )
    first = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert first.returncode == 1 and "refused: " in first.stderr and "Traceback" not in first.stderr
    assert len(load_settings({"PRIVACY_VAR_DIR": str(tmp_path)}).secret_keys[0]) >= 32


def test_embedded_defaults(tmp_path: Path) -> None:
    settings = load_settings({"PRIVACY_VAR_DIR": str(tmp_path)})
    assert settings.database == tmp_path / "privacy.sqlite3"
    assert settings.maildir == tmp_path / "maildir"
    assert settings.smtp_host is None


def test_bad_values_are_explained() -> None:
    with pytest.raises(SettingsError, match="PRIVACY_ENV must be development or production"):
        load_settings({"PRIVACY_ENV": "prod"})
    with pytest.raises(SettingsError, match="PRIVACY_SMTP_PORT must be a number"):
        load_settings({"PRIVACY_SMTP_PORT": "twenty-five", "PRIVACY_SECRET_KEYS": "k" * 40})
    with pytest.raises(SettingsError, match="PRIVACY_SMTP_TIMEOUT must be a number of seconds"):
        load_settings({"PRIVACY_SMTP_TIMEOUT": "0", "PRIVACY_SECRET_KEYS": "k" * 40})


def test_the_readme_table_is_the_declaration() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme) == readme, "run .venv/bin/python -m privacy.settings_help"
    assert [s.name for s in SETTINGS if f"| `{s.name}` |" not in readme] == []


def test_the_readme_table_follows_a_changed_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    renamed = dataclasses.replace(SETTINGS[0], help="a meaning with a | in it")
    monkeypatch.setattr(settings_help, "SETTINGS", (renamed, *SETTINGS[1:]))
    table = readme_with_table(readme)
    assert table != readme and "| `PRIVACY_ENV` | `development` | a meaning with a \\| in it |" in table


def test_every_declared_setting_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    read: list[str] = []
    original = Setting.read

    def recording(setting: Setting[object], environ: Mapping[str, str]) -> object:
        read.append(setting.name)
        return original(setting, environ)

    monkeypatch.setattr(Setting, "read", recording)
    load_settings({**PRODUCTION, "PRIVACY_VAR_DIR": str(tmp_path)})
    assert sorted(read) == sorted(s.name for s in SETTINGS)


def test_settings_have_unique_names_and_say_their_secrets() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names)) and all(name.startswith("PRIVACY_") for name in names)
    assert {s.name for s in SETTINGS if s.secret} == {
        "PRIVACY_SECRET_KEYS",
        "PRIVACY_SMTP_PASSWORD",
        "PRIVACY_DATABASE_URL",
    }


@pytest.mark.parametrize(
    "language, heading, meaning",
    [
        ("C.UTF-8", "Settings (environment variables)", "SMTP port"),
        ("fr_FR.UTF-8", "Réglages (variables d’environnement)", "port SMTP"),
    ],
)
def test_help_settings_lists_every_setting_in_the_operators_language(language: str, heading: str, meaning: str) -> None:
    run = subprocess.run(
        [sys.executable, "server.py", "--help-settings"],
        cwd=REPO,
        env={**os.environ, "LC_ALL": language},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout.startswith(heading) and meaning in run.stdout
    assert [s.name for s in SETTINGS if f"\n{s.name}" not in run.stdout] == []
    assert "\nPRIVACY_SMTP_PORT  (" in run.stdout and "587)" in run.stdout  # with its default


def test_help_settings_never_prints_a_value_set(tmp_path: Path) -> None:
    secret = secrets.token_urlsafe(40)
    run = subprocess.run(
        [sys.executable, "server.py", "--help-settings"],
        cwd=REPO,
        env={**os.environ, "PRIVACY_SECRET_KEYS": secret, "PRIVACY_SMTP_PASSWORD": secret},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0 and secret not in run.stdout


def test_the_consent_proof_period_is_a_number_of_years(tmp_path: Path) -> None:
    assert load_settings(settings_env(tmp_path, tmp_path / "content")).consent_proof_years == 5
    with pytest.raises(SettingsError, match="from 1 to 30"):
        load_settings(settings_env(tmp_path, tmp_path / "content", PRIVACY_CONSENT_PROOF_YEARS="forever"))


def _environment_reads(path: Path) -> list[tuple[int, str]]:
    """The PRIVACY_ variables ``path`` reads from the environment itself: ``os.environ.get("…")``,
    ``os.getenv("…")``, ``os.environ["…"]`` (a write, for the processes it starts, is no read)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name: object = None
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.get", "os.getenv", "environ.get"):
            name = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and ast.unparse(node.value)
            in (
                "os.environ",
                "environ",
            )
        ):
            name = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if isinstance(name, str) and name.startswith("PRIVACY_") and isinstance(node, ast.expr):
            found.append((node.lineno, name))
    return found


def test_no_setting_is_read_outside_its_declaration() -> None:
    code = [*sorted((REPO / "privacy").rglob("*.py")), REPO / "build.py", REPO / "server.py"]
    outside = [
        (f"{path.relative_to(REPO)}:{line}", name)
        for path in code
        if path != REPO / "privacy" / "settings.py"
        for line, name in _environment_reads(path)
    ]
    assert outside == []
    assert _environment_reads(REPO / "privacy" / "settings.py") == []  # through Setting.read, every one of them


def test_another_catalogs_folder_is_a_setting_and_must_be_a_folder(tmp_path: Path) -> None:
    assert "PRIVACY_LOCALES_DIR" in {s.name for s in SETTINGS}
    assert load_settings({"PRIVACY_VAR_DIR": str(tmp_path)}).locales_dir == REPO / "locales"
    own = tmp_path / "locales"
    own.mkdir()
    assert load_settings({"PRIVACY_VAR_DIR": str(tmp_path), "PRIVACY_LOCALES_DIR": str(own)}).locales_dir == own
    with pytest.raises(SettingsError, match=r"PRIVACY_LOCALES_DIR is .*, which is not a folder"):
        load_settings({"PRIVACY_VAR_DIR": str(tmp_path), "PRIVACY_LOCALES_DIR": str(tmp_path / "missing")})
