"""Scheduled work: at once, then again and again; a failure is logged and does not stop the next run."""

from __future__ import annotations

import asyncio
import logging

import pytest

from privacy.periodic import every


def test_work_runs_at_once_then_repeats_through_failures(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []

    async def work() -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise OSError("database is locked")

    async def serve() -> int:
        async with every(0.01, work, "testing the schedule"):
            assert runs == [0]  # before the server takes its first request
            while len(runs) < 4:
                await asyncio.sleep(0.01)
        stopped_at = len(runs)
        await asyncio.sleep(0.05)
        return stopped_at

    with caplog.at_level(logging.ERROR, "privacy.periodic"):
        stopped_at = asyncio.run(serve())
    assert len(runs) == stopped_at  # nothing runs once the context is left
    assert [r.getMessage() for r in caplog.records] == ["testing the schedule failed; it will run again"]
