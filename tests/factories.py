"""Factories for content, settings and apps, so a test says which variant it needs in one call."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from privacy.content import POLICY_FILE, REGISTRY_FILE

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONTENT = REPO / "content"


def minimal_notice(**overrides: Any) -> dict[str, Any]:
    """The smallest notice that validates with no lint warning."""
    notice: dict[str, Any] = {
        "languages": ["fr", "en"],
        "version": "1.0",
        "effective_date": "2025-03-01",
        "publisher": {
            "name": "Clinique Exemple",
            "contact": {
                "email": "contact@clinique.example",
                "address": {"lines": ["1 rue de la Paix"], "postcode": "75001", "city": "Paris", "country": "FR"},
            },
        },
        "dpo": {"name": "Jeanne Martin", "contact": {"email": "dpo@clinique.example"}},
        "jurisdiction": {"laws": ["gdpr", "fr-informatique-libertes"], "authority": "cnil"},
        "people": [{"id": "patients"}],
        "data_categories": [
            {"id": "identity", "name": {"fr": "Identité", "en": "Identity"}},
            {"id": "health", "name": {"fr": "Santé", "en": "Health"}, "special": "health"},
        ],
        "recipients": [{"id": "staff", "kind": "internal_departments"}],
        "processing": [
            {
                "id": "care",
                "purpose": {"fr": "Soigner les patients", "en": "Caring for patients"},
                "people": ["patients"],
                "data": ["identity", "health"],
                "legal_basis": "public_task",
                "special_condition": "health_care",
                "recipients": ["staff"],
                "retention": {
                    "duration": "20 years",
                    "starting": {"fr": "après le dernier passage", "en": "after the last visit"},
                },
            }
        ],
        "provision": {"requirement": "statutory"},
        "transfers": "none",
        "automated_decisions": "none",
        "rights": {
            "offered": ["access", "rectification", "erasure", "restriction", "objection", "post_mortem_directives"],
            "channels": {"email": "dpo@clinique.example", "online_form": True},
            "request_retention": "1 year",
        },
        "cookies": {"items": []},
    }
    notice.update(copy.deepcopy(overrides))
    return notice


def optional_cookies() -> dict[str, Any]:
    """A cookie inventory with one optional category, for opt-in mode."""
    return {
        "consent_lifetime_months": 6,
        "items": [
            {
                "name": "session",
                "provider": "Clinique Exemple",
                "category": "strictly_necessary",
                "purpose": {"fr": "Garder la session", "en": "Keeps the session"},
                "duration": "session",
            },
            {
                "name": "_pk_id",
                "provider": "Matomo",
                "category": "audience_measurement",
                "purpose": {"fr": "Mesurer l'audience", "en": "Measures visits"},
                "duration": "13 months",
            },
        ],
    }


def write_content(root: Path, sites: Mapping[str, Mapping[str, Any] | str], registry: str | None = None) -> Path:
    """A content folder: the real registry (or ``registry`` text) and one policy.yaml per site.

    A site given as a string is written as is, for tests of malformed YAML.
    """
    root.mkdir(parents=True, exist_ok=True)
    if registry is None:
        shutil.copy(EXAMPLE_CONTENT / REGISTRY_FILE, root / REGISTRY_FILE)
    else:
        (root / REGISTRY_FILE).write_text(registry, encoding="utf-8")
    for site_id, notice in sites.items():
        folder = root / site_id
        folder.mkdir(exist_ok=True)
        text = notice if isinstance(notice, str) else yaml.safe_dump(notice, allow_unicode=True, sort_keys=False)
        (folder / POLICY_FILE).write_text(text, encoding="utf-8")
    return root


# The address the tests' TestClient uses (base_url): the server answers no other.
TEST_ORIGIN = "https://testserver"
# What production asks for, all given (the key is random-looking: production refuses a regular one).
PRODUCTION = {
    "PRIVACY_ENV": "production",
    "PRIVACY_SECRET_KEYS": "Qk3v9-Rz7Lw_Xp2Ht8Jn5Bc4Md6Fs1Gy0Ua",
    "PRIVACY_PUBLIC_ORIGIN": TEST_ORIGIN,
    "PRIVACY_FORWARDED_ALLOW_IPS": "127.0.0.1",
    "PRIVACY_SMTP_HOST": "localhost",
}


def settings_env(tmp_path: Path, content: Path, public: Path | None = None, /, **extra: str) -> dict[str, str]:
    env = {
        "PRIVACY_ENV": "development",
        "PRIVACY_SECRET_KEYS": "test-key-" + "x" * 40,
        "PRIVACY_PUBLIC_ORIGIN": TEST_ORIGIN,
        "PRIVACY_CONTENT_DIR": str(content),
        "PRIVACY_PUBLIC_DIR": str(public or tmp_path / "public"),
        "PRIVACY_VAR_DIR": str(tmp_path / "var"),
    }
    env.update(extra)
    return env
