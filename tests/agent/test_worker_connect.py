"""A job that cannot join its room gives the interview up quickly, so another agent can be dispatched to it."""

from __future__ import annotations

import asyncio
import logging

import pytest

from agent.worker import connect_or_give_up


class _Job:
    """The two things `connect_or_give_up` uses of a JobContext."""

    def __init__(self, connects: bool) -> None:
        self._connects = connects
        self.shutdown_reasons: list[str] = []

    async def connect(self) -> None:
        if not self._connects:
            await asyncio.Event().wait()  # the rtc library's connect that never completes

    def shutdown(self, reason: str = "") -> None:
        self.shutdown_reasons.append(reason)


async def test_a_job_in_its_room_goes_on():
    job = _Job(connects=True)
    assert await connect_or_give_up(job, "i-1", 5.0)  # type: ignore[arg-type]
    assert job.shutdown_reasons == []


async def test_a_job_that_cannot_join_ends_and_says_so(caplog: pytest.LogCaptureFixture):
    job = _Job(connects=False)
    with caplog.at_level(logging.ERROR, logger="agent.worker"):
        assert not await connect_or_give_up(job, "i-2", 0.05)  # type: ignore[arg-type]
    assert job.shutdown_reasons == ["could not join the room"]
    assert "interview i-2: could not join the room" in caplog.text
