"""The fault-injection suite's figures: each run records what it measured, and the session prints them all at
its end (``-s`` shows them as they come too), beside the targets the tests assert."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

_FIGURES: list[tuple[str, dict[str, int]]] = []


@pytest.fixture
def report() -> Iterator[object]:
    def record(run: str, **figures: int) -> None:
        _FIGURES.append((run, figures))
        print(f"\n[faults] {run}: " + ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in figures.items()))

    yield record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _FIGURES:
        return
    terminalreporter.section("fault-injection figures")
    for run, figures in _FIGURES:
        terminalreporter.write_line(f"{run}: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items()))
