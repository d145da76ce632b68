"""Reads a SQLite write-ahead log the way SQLite's recovery does, to say when it is damaged.

On opening, SQLite replays the log's frames up to the first one whose checksum fails and silently drops the
rest: a damaged log loses every commit after the damage, without a word. A frame that fails, followed by frames
of the same generation (the header's salts), can only be damage — a frame cut short by a crash is the last one
written — so the server refuses to start on it, before any connection replays the log (``storage.check``).
File format: https://www.sqlite.org/fileformat2.html#walformat
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

HEADER = 32
FRAME_HEADER = 24
MAGIC = {0x377F0682: "<", 0x377F0683: ">"}  # the checksums' byte order: little-, big-endian words


@dataclass(frozen=True)
class Damage:
    valid_frames: int  # replayed by SQLite
    dropped_frames: int  # of the log's generation, after the damage: commits SQLite would drop


def _checksum(data: bytes, order: str, s0: int, s1: int) -> tuple[int, int]:
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def damage(database: Path) -> Damage | None:
    """The damage in ``database``'s log, if any (None: no log, an empty one, or one SQLite reads whole).
    The log is read one frame at a time: it may be large after a long stop without a checkpoint."""
    log = database.with_name(database.name + "-wal")
    try:
        handle = log.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        head = handle.read(HEADER)
        if len(head) < HEADER:
            return None
        magic, _version, page_size, _sequence, salt1, salt2, c0, c1 = struct.unpack(">8I", head)
        order = MAGIC.get(magic)
        if order is None or page_size < 512 or page_size & (page_size - 1):
            return None  # not a log SQLite would read at all: quick_check judges the database
        if _checksum(head[:24], order, 0, 0) != (c0, c1):
            return None  # SQLite ignores a log whose header fails: nothing of it was ever replayed
        s0, s1 = c0, c1
        frame_size = FRAME_HEADER + page_size
        valid, broken, dropped = 0, False, 0
        while len(frame := handle.read(frame_size)) == frame_size:
            _page, _commit, fsalt1, fsalt2, f0, f1 = struct.unpack(">6I", frame[:FRAME_HEADER])
            same_generation = (fsalt1, fsalt2) == (salt1, salt2)
            if not broken:
                t0, t1 = _checksum(frame[:8], order, s0, s1)
                t0, t1 = _checksum(frame[FRAME_HEADER:], order, t0, t1)
                if same_generation and (t0, t1) == (f0, f1):
                    s0, s1, valid = t0, t1, valid + 1
                else:
                    broken = True
            elif same_generation:
                dropped += 1
    return Damage(valid, dropped) if dropped else None
