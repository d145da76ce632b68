"""The signing keys: the ones production is given must look random; development keeps one of its own on disk."""

from __future__ import annotations

import math
import secrets
from collections import Counter
from pathlib import Path

from .codes import N_
from .private import private_dir, write_new_private
from .settings_error import SettingsError, reason

DEVELOPMENT_KEY_FILE = "development-secret-key"
MIN_KEY_LENGTH = 32
# A secret of 32 characters or more drawn at random shows many different characters and no period; one typed
# by hand (32 × "a", "password" four times) shows few.
MIN_KEY_CHARACTERS = 10
MIN_KEY_BITS = 96


def parse_keys(value: str) -> tuple[str, ...]:
    """``PRIVACY_SECRET_KEYS``: comma-separated, newest first; each long enough to sign with, in every mode."""
    keys = tuple(k.strip() for k in value.split(",") if k.strip())
    if any(len(k) < MIN_KEY_LENGTH for k in keys):
        raise SettingsError(N_("each key in PRIVACY_SECRET_KEYS must be at least 32 characters long"))
    return keys


def weak_key(key: str) -> bool:
    """Too short, too few different characters, too little entropy by their frequencies, or a repeated pattern."""
    if len(key) < MIN_KEY_LENGTH or len(set(key)) < MIN_KEY_CHARACTERS:
        return True
    bits = -sum(n * math.log2(n / len(key)) for n in Counter(key).values())
    periodic = any(key[shift:] == key[:-shift] for shift in range(1, len(key) // 2 + 1))  # "abcabcab…"
    return bits < MIN_KEY_BITS or periodic


def check_production_keys(keys: tuple[str, ...]) -> None:
    if not keys:
        raise SettingsError(N_("PRIVACY_SECRET_KEYS is required in production: set it to a long random string"))
    if any(weak_key(k) for k in keys):
        raise SettingsError(
            N_(
                "a key in PRIVACY_SECRET_KEYS is too regular to be secret (too few different "
                "characters, or a repeated pattern): make one with "
                'python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        )


def development_key(var_dir: Path) -> str:
    """A key kept on disk so that consent cookies survive a restart in development."""
    path = var_dir / DEVELOPMENT_KEY_FILE
    try:
        if not path.exists():
            private_dir(var_dir)
            write_new_private(path, secrets.token_urlsafe(48).encode("ascii"))
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(
            N_(
                "%(path)s cannot be read or written (%(reason)s): check that the server's user owns "
                "PRIVACY_VAR_DIR and that its disk has room"
            ),
            path=str(path),
            reason=reason(error),
        ) from None
    if len(key) < MIN_KEY_LENGTH:
        # Left by a failed write of an older version: signing with it would let anyone forge a cookie.
        raise SettingsError(
            N_(
                "%(path)s holds no usable key (empty or shorter than 32 characters): delete it, and "
                "a new key is made at the next start"
            ),
            path=str(path),
        )
    return key
