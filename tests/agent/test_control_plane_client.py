"""Turns reach the control plane exactly once and in order, even when it fails or is away for a while.

The control plane here is a real HTTP server on loopback that misbehaves on purpose; the client is unchanged.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

from agent.control_plane import ControlPlaneClient, OutgoingTurn
from tests.agent.fake_control_plane import KEY, FakeControlPlane

INTERVIEW = "11111111-2222-3333-4444-555555555555"


def turn(seq: int) -> OutgoingTurn:
    now = datetime.now(UTC)
    return OutgoingTurn(seq, "agent" if seq % 2 else "respondent", f"turn number {seq}", now, now)


def client_for(url: str) -> ControlPlaneClient:
    return ControlPlaneClient(url, INTERVIEW, KEY, max_backoff=0.05)


async def test_turns_survive_failing_answers_without_duplicates():
    plane = await FakeControlPlane(failures=7).start()
    client = client_for(plane.url)
    try:
        for seq in range(1, 21):
            client.post_turn(turn(seq))
        assert await client.flush(timeout=20)
        assert sorted(plane.stored) == list(range(1, 21))
        assert client.sent == list(range(1, 21))
        assert plane.attempts == 27  # 20 turns, 7 of them sent twice
        assert plane.stored[3]["text"] == "turn number 3"
    finally:
        await client.aclose()
        await plane.stop()


async def test_turns_wait_while_the_control_plane_is_down_and_flush_when_it_returns():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = client_for(f"http://127.0.0.1:{port}")
    plane = FakeControlPlane()
    try:
        for seq in range(1, 6):
            client.post_turn(turn(seq))
        assert not await client.flush(timeout=0.3)  # nobody listening: everything still queued
        assert client.pending == 5
        await plane.start(port)
        client.post_turn(turn(6))
        assert await client.flush(timeout=20)
        assert list(plane.stored) == [1, 2, 3, 4, 5, 6]
        await client.complete("timer")
        assert plane.completed == ["timer"]
    finally:
        await client.aclose()
        await plane.stop()


async def test_the_control_plane_goes_away_mid_interview_and_no_turn_is_lost_or_doubled():
    plane = await FakeControlPlane().start()
    port = plane.port
    client = client_for(plane.url)
    try:
        for seq in (1, 2, 3):
            client.post_turn(turn(seq))
        await plane.until(lambda: len(plane.stored) == 3)
        assert await client.flush(timeout=10)
        await plane.stop()
        for seq in (4, 5, 6):
            client.post_turn(turn(seq))
        assert not await client.flush(timeout=0.3)
        restarted = FakeControlPlane()
        restarted.stored = dict(plane.stored)
        await restarted.start(port)
        client.post_turn(turn(7))
        assert await client.flush(timeout=20)
        assert sorted(restarted.stored) == [1, 2, 3, 4, 5, 6, 7]
        assert restarted.attempts == 4  # 4..7, each stored once
        assert [restarted.stored[s]["text"] for s in range(1, 8)] == [f"turn number {s}" for s in range(1, 8)]
    finally:
        await client.aclose()
        await plane.stop()


async def test_closing_the_client_at_job_end_flushes_what_is_queued():
    plane = FakeControlPlane(failures=2)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = client_for(f"http://127.0.0.1:{port}")
    client.post_turn(turn(1))
    client.post_turn(turn(2))
    await plane.start(port)
    try:
        await client.aclose(flush_timeout=20)
        assert sorted(plane.stored) == [1, 2]
    finally:
        await plane.stop()


async def test_complete_waits_for_the_transcript_first():
    plane = await FakeControlPlane(failures=3).start()
    client = client_for(plane.url)
    try:
        for seq in (1, 2):
            client.post_turn(turn(seq))
        await asyncio.wait_for(client.complete("agent_end"), 20)
        assert sorted(plane.stored) == [1, 2] and plane.completed == ["agent_end"]
    finally:
        await client.aclose()
        await plane.stop()
