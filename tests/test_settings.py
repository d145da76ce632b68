"""Settings: secrets from the environment, a refusal in production without a key, all documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from privacy.settings import SETTINGS, SettingsError, load_settings
from tests.factories import REPO, settings_env


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PRIVACY_SECRET_KEYS is required in production"):
        load_settings({"PRIVACY_ENV": "production", "PRIVACY_VAR_DIR": str(tmp_path)})


def test_production_refuses_a_short_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="at least 32 characters"):
        load_settings({"PRIVACY_ENV": "production", "PRIVACY_SECRET_KEYS": "short"})


def test_keys_newest_first(tmp_path: Path) -> None:
    settings = load_settings({"PRIVACY_ENV": "production", "PRIVACY_SECRET_KEYS": f"{'a' * 32}, {'b' * 32}"})
    assert settings.secret_keys == ("a" * 32, "b" * 32)


def test_development_keeps_one_private_key_across_restarts(tmp_path: Path) -> None:
    first = load_settings({"PRIVACY_VAR_DIR": str(tmp_path)})
    second = load_settings({"PRIVACY_VAR_DIR": str(tmp_path)})
    assert first.secret_keys == second.secret_keys and len(first.secret_keys[0]) >= 32
    assert (tmp_path / "development-secret-key").stat().st_mode & 0o077 == 0


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


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [s.name for s in SETTINGS if f"`{s.name}`" not in readme] == []


def test_the_consent_proof_period_is_a_number_of_years(tmp_path: Path) -> None:
    assert load_settings(settings_env(tmp_path, tmp_path / "content")).consent_proof_years == 5
    with pytest.raises(SettingsError, match="from 1 to 30"):
        load_settings(settings_env(tmp_path, tmp_path / "content", PRIVACY_CONSENT_PROOF_YEARS="forever"))
