"""The answers a DPO sends (often a medical record), kept encrypted at rest until their link expires.

Each file is sealed with AES-256-GCM (``cryptography``'s AESGCM: authenticated, so a file changed on disk is
refused, never half-read). Its key is derived (HKDF-SHA256) from each signing key of ``PRIVACY_SECRET_KEYS``:
the newest seals, all open, so the answer keys rotate with the signing keys. The file's own name and the
requester's reference are bound to it (associated data): a file moved to another name or request does not open.
What the file is called is encrypted with it; only its expiry and the key's id are readable, so that the sweep
deletes what has expired without any key.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..private import PRIVATE_FILE, private_dir, sync_folder

# "PNA" + format version; then the expiry (Unix seconds), the key's id and the nonce, all in the clear.
MAGIC = b"PNA1"
_HEADER = struct.Struct(">4sq8s12s")
# A medical record with its imaging reports rarely goes beyond a few tens of megabytes; it is sealed in memory.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
MAX_NAME_BYTES = 255
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{32}")
SUFFIX = ".sealed"


class VaultError(Exception):
    """An answer that cannot be stored or opened; ``reason`` says which (a catalog-free code for the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sealed:
    file_id: str
    size: int  # bytes of the file as given
    expires_at: datetime


@dataclass(frozen=True)
class Opened:
    name: str
    data: bytes


def _derive(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"privacy-notices", info=b"privacy.rights.answer-file"
    ).derive(secret.encode("utf-8"))


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"key-id" + key).digest()[:8]


class AnswerVault:
    """The folder of sealed answers (0700, each file 0600)."""

    def __init__(self, folder: Path, secret_keys: Sequence[str]) -> None:
        if not secret_keys:
            raise ValueError("the vault needs at least one key")
        self.folder = folder
        keys = [_derive(secret) for secret in secret_keys]
        self._sealing = keys[0]
        self._opening = {_key_id(key): AESGCM(key) for key in keys}

    def _path(self, file_id: str) -> Path:
        if not _FILE_ID.fullmatch(file_id):
            raise VaultError("unknown")
        return self.folder / f"{file_id}{SUFFIX}"

    def seal(self, reference: str, name: str, data: bytes, expires_at: datetime) -> Sealed:
        """Stores ``data`` (called ``name``) for ``reference`` until ``expires_at``, durably, or raises."""
        if len(data) > MAX_ANSWER_BYTES:
            raise VaultError("too-large")
        encoded_name = name.encode("utf-8")[:MAX_NAME_BYTES]
        private_dir(self.folder)
        file_id = secrets.token_urlsafe(24)
        header = _HEADER.pack(MAGIC, int(expires_at.timestamp()), _key_id(self._sealing), os.urandom(12))
        plain = struct.pack(">H", len(encoded_name)) + encoded_name + data
        sealed = AESGCM(self._sealing).encrypt(header[-12:], plain, _associated(header, file_id, reference))
        path = self._path(file_id)
        temporary = path.with_name(f".{path.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(header + sealed)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        sync_folder(self.folder)
        return Sealed(file_id, len(data), datetime.fromtimestamp(int(expires_at.timestamp()), UTC))

    def open(self, reference: str, file_id: str, now: datetime) -> Opened:
        """The answer as the DPO gave it; VaultError("unknown" | "expired" | "damaged" | "no-key") otherwise."""
        try:
            raw = self._path(file_id).read_bytes()
        except FileNotFoundError:
            raise VaultError("unknown") from None
        header = raw[: _HEADER.size]
        if len(header) < _HEADER.size:
            raise VaultError("damaged")
        magic, expires, key_id, nonce = _HEADER.unpack(header)
        if magic != MAGIC:
            raise VaultError("damaged")
        if expires <= now.timestamp():
            raise VaultError("expired")
        cipher = self._opening.get(key_id)
        if cipher is None:
            raise VaultError("no-key")  # sealed with a key no longer in PRIVACY_SECRET_KEYS
        try:
            plain = cipher.decrypt(nonce, raw[_HEADER.size :], _associated(header, file_id, reference))
        except InvalidTag:
            raise VaultError("damaged") from None
        (length,) = struct.unpack(">H", plain[:2])
        return Opened(plain[2 : 2 + length].decode("utf-8", errors="replace"), plain[2 + length :])

    def delete(self, file_id: str) -> bool:
        try:
            self._path(file_id).unlink()
        except (FileNotFoundError, VaultError):
            return False
        sync_folder(self.folder)
        return True

    def sweep(self, now: datetime) -> list[str]:
        """Deletes every answer whose link has expired (and a temporary file a crash left); their ids."""
        if not self.folder.is_dir():
            return []
        deleted = []
        for path in self.folder.iterdir():
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)
                continue
            file_id = path.name.removesuffix(SUFFIX)
            if not _FILE_ID.fullmatch(file_id) or path.suffix != SUFFIX:
                continue
            if _expiry(path) <= now.timestamp():
                path.unlink(missing_ok=True)
                deleted.append(file_id)
        if deleted:
            sync_folder(self.folder)
        return deleted

    def held(self) -> Iterable[str]:
        return (
            sorted(p.name.removesuffix(SUFFIX) for p in self.folder.glob(f"*{SUFFIX}")) if self.folder.is_dir() else []
        )


def _associated(header: bytes, file_id: str, reference: str) -> bytes:
    return header + file_id.encode("ascii") + b"\0" + reference.encode("utf-8")


def _expiry(path: Path) -> int:
    with path.open("rb") as handle:
        header = handle.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return 0  # a damaged file is of no use to anyone: swept
    magic, expires, _key, _nonce = _HEADER.unpack(header)
    return int(expires) if magic == MAGIC else 0
