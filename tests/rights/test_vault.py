"""The answer vault: files sealed at rest, opened only with their reference and a current key, deleted at expiry."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from privacy.rights.vault import MAX_ANSWER_BYTES, AnswerVault, VaultError

OLD_KEY = "o" * 8 + "ld-signing-key-with-many-characters-0123456789"
NEW_KEY = "new-signing-key-with-many-characters-ABCDEFGHIJ"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
RECORD = b"%PDF-1.7\nCompte rendu d'hospitalisation de Mme Dupont, diabete de type 2\n"


def vault(folder: Path, *keys: str) -> AnswerVault:
    return AnswerVault(folder / "answers", keys or (NEW_KEY,))


def test_a_sealed_answer_opens_as_given_and_is_not_readable_on_disk(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    sealed = answers.seal("K7M4-QX9T-PW2R", "dossier-dupont.pdf", RECORD, NOW + timedelta(days=14))
    opened = answers.open("K7M4-QX9T-PW2R", sealed.file_id, NOW)
    assert (opened.name, opened.data, sealed.size) == ("dossier-dupont.pdf", RECORD, len(RECORD))
    on_disk = b"".join(p.read_bytes() for p in (tmp_path / "answers").iterdir())
    assert b"Dupont" not in on_disk and b"diabete" not in on_disk and b"dossier" not in on_disk


def test_files_and_their_folder_are_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        sealed = vault(tmp_path).seal("K7M4-QX9T-PW2R", "a.pdf", RECORD, NOW + timedelta(days=1))
    finally:
        os.umask(previous)
    folder = tmp_path / "answers"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()] == [0o600]
    assert [p.name for p in folder.iterdir()] == [f"{sealed.file_id}.sealed"]


def test_an_answer_opens_only_for_its_own_request(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    sealed = answers.seal("K7M4-QX9T-PW2R", "a.pdf", RECORD, NOW + timedelta(days=1))
    with pytest.raises(VaultError) as refused:
        answers.open("AAAA-BBBB-CCCC", sealed.file_id, NOW)
    assert refused.value.reason == "damaged"


def test_a_file_changed_on_disk_is_refused_not_half_read(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    sealed = answers.seal("K7M4-QX9T-PW2R", "a.pdf", RECORD, NOW + timedelta(days=1))
    path = tmp_path / "answers" / f"{sealed.file_id}.sealed"
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(VaultError) as refused:
        answers.open("K7M4-QX9T-PW2R", sealed.file_id, NOW)
    assert refused.value.reason == "damaged"


def test_an_extended_expiry_written_on_disk_does_not_open(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    sealed = answers.seal("K7M4-QX9T-PW2R", "a.pdf", RECORD, NOW + timedelta(days=1))
    path = tmp_path / "answers" / f"{sealed.file_id}.sealed"
    raw = bytearray(path.read_bytes())
    raw[4:12] = int((NOW + timedelta(days=400)).timestamp()).to_bytes(8, "big")
    path.write_bytes(bytes(raw))
    with pytest.raises(VaultError) as refused:
        answers.open("K7M4-QX9T-PW2R", sealed.file_id, NOW + timedelta(days=2))
    assert refused.value.reason == "damaged"


def test_keys_rotate_like_the_signing_keys(tmp_path: Path) -> None:
    before = vault(tmp_path, OLD_KEY)
    sealed_before = before.seal("K7M4-QX9T-PW2R", "a.pdf", RECORD, NOW + timedelta(days=1))
    rotated = vault(tmp_path, NEW_KEY, OLD_KEY)  # the newest first: it seals, both open
    sealed_after = rotated.seal("K7M4-QX9T-PW2R", "b.pdf", b"second", NOW + timedelta(days=1))
    assert rotated.open("K7M4-QX9T-PW2R", sealed_before.file_id, NOW).data == RECORD
    assert rotated.open("K7M4-QX9T-PW2R", sealed_after.file_id, NOW).data == b"second"
    with pytest.raises(VaultError) as refused:
        vault(tmp_path, NEW_KEY).open("K7M4-QX9T-PW2R", sealed_before.file_id, NOW)
    assert refused.value.reason == "no-key"
    with pytest.raises(VaultError):
        before.open("K7M4-QX9T-PW2R", sealed_after.file_id, NOW)


def test_an_expired_answer_is_refused_then_swept(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    short = answers.seal("K7M4-QX9T-PW2R", "a.pdf", RECORD, NOW + timedelta(days=1))
    long = answers.seal("K7M4-QX9T-PW2R", "b.pdf", RECORD, NOW + timedelta(days=30))
    later = NOW + timedelta(days=2)
    with pytest.raises(VaultError) as refused:
        answers.open("K7M4-QX9T-PW2R", short.file_id, later)
    assert refused.value.reason == "expired"
    assert answers.sweep(later) == [short.file_id]
    assert list(answers.held()) == [long.file_id]
    assert answers.sweep(later) == []


def test_a_temporary_file_a_crash_left_is_swept(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    answers.seal("K7M4-QX9T-PW2R", "a.pdf", RECORD, NOW + timedelta(days=1))
    left = tmp_path / "answers" / ".abc.sealed.tmp"
    left.write_bytes(b"half")
    answers.sweep(NOW)
    assert not left.exists()


def test_unknown_or_malformed_ids_are_refused_without_touching_other_paths(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    (tmp_path / "secret").write_bytes(b"x")
    for file_id in ("../secret", "x" * 32, "", "a/b"):
        with pytest.raises(VaultError) as refused:
            answers.open("K7M4-QX9T-PW2R", file_id, NOW)
        assert refused.value.reason == "unknown"
        assert answers.delete(file_id) is False
    assert (tmp_path / "secret").exists()


def test_a_file_too_large_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    with pytest.raises(VaultError) as refused:
        answers.seal("K7M4-QX9T-PW2R", "big.bin", b"\0" * (MAX_ANSWER_BYTES + 1), NOW + timedelta(days=1))
    assert refused.value.reason == "too-large"
    assert list(answers.held()) == []


def test_deleting_removes_the_file(tmp_path: Path) -> None:
    answers = vault(tmp_path)
    sealed = answers.seal("K7M4-QX9T-PW2R", "a.pdf", RECORD, NOW + timedelta(days=1))
    assert answers.delete(sealed.file_id) is True
    with pytest.raises(VaultError):
        answers.open("K7M4-QX9T-PW2R", sealed.file_id, NOW)
