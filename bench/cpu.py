"""CPU time of a process and its descendants, from /proc: what a request costs, beside the wall clock."""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        # "pid (name) state ppid … utime stime …": the name may hold spaces, so split after its ")".
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None  # gone meanwhile


def tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def seconds(pids: list[int]) -> dict[int, float]:
    """User plus system CPU seconds of each process still there."""
    times = {}
    for pid in pids:
        if (fields := _stat(pid)) is not None:
            times[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return times


class Meter:
    """CPU spent by the processes under ``root`` between ``start()`` and ``stop()`` (a process born meanwhile
    counts whole; one that ended meanwhile is lost: the servers measured keep theirs)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self._before: dict[int, float] = {}

    def start(self) -> None:
        self._before = seconds(tree(self.root))

    def read(self) -> float:
        """Seconds spent since ``start()``, the meter running on."""
        after = seconds(tree(self.root))
        return sum(spent - self._before.get(pid, 0.0) for pid, spent in after.items())

    def stop(self) -> float:
        return self.read()
