"""Turns reach the control plane exactly once and in order, even when it fails or is away for a while.

The control plane here is a real HTTP server on loopback that misbehaves on purpose; the client is unchanged.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

from aiohttp import web

from agent.control_plane import ControlPlaneClient, OutgoingTurn

INTERVIEW = "11111111-2222-3333-4444-555555555555"


class FlakyControlPlane:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.stored: dict[int, dict] = {}
        self.attempts = 0
        self.completed: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_put("/api/agent/interviews/{id}/turns/{seq}", self.put_turn)
        app.router.add_post("/api/agent/interviews/{id}/complete", self.complete)
        return app

    async def put_turn(self, request: web.Request) -> web.Response:
        self.attempts += 1
        assert request.headers["Authorization"] == "Bearer key"
        body = await request.json()
        seq = int(request.match_info["seq"])
        created = seq not in self.stored
        self.stored.setdefault(seq, body)
        if self.failures > 0:
            self.failures -= 1  # stored, but the answer is lost: the client must retry without duplicating
            return web.json_response({"code": "unavailable"}, status=503)
        return web.json_response({"seq": seq, "created": created})

    async def complete(self, request: web.Request) -> web.Response:
        self.completed.append((await request.json())["reason"])
        return web.json_response({"status": "completed"})


async def serve(handler: FlakyControlPlane, port: int = 0) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(handler.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


def turn(seq: int) -> OutgoingTurn:
    now = datetime.now(UTC)
    return OutgoingTurn(seq, "agent" if seq % 2 else "respondent", f"turn number {seq}", now, now)


async def test_turns_survive_failing_answers_without_duplicates():
    plane = FlakyControlPlane(failures=7)
    runner, port = await serve(plane)
    client = ControlPlaneClient(f"http://127.0.0.1:{port}", INTERVIEW, "key", max_backoff=0.05)
    try:
        for seq in range(1, 21):
            client.post_turn(turn(seq))
        assert await client.flush(timeout=20)
        assert sorted(plane.stored) == list(range(1, 21))
        assert client.sent == list(range(1, 21))
        assert plane.attempts == 27
        assert plane.stored[3]["text"] == "turn number 3"
    finally:
        await client.aclose()
        await runner.cleanup()


async def test_turns_wait_while_the_control_plane_is_down_and_flush_when_it_returns():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ControlPlaneClient(f"http://127.0.0.1:{port}", INTERVIEW, "key", max_backoff=0.05)
    plane = FlakyControlPlane()
    try:
        for seq in range(1, 6):
            client.post_turn(turn(seq))
        assert not await client.flush(timeout=0.3)  # nobody listening: everything still queued
        assert client.pending == 5
        runner, _ = await serve(plane, port)
        try:
            client.post_turn(turn(6))
            assert await client.flush(timeout=20)
            assert list(plane.stored) == [1, 2, 3, 4, 5, 6]
            await client.complete("timer")
            assert plane.completed == ["timer"]
        finally:
            await runner.cleanup()
    finally:
        await client.aclose()


async def test_complete_waits_for_the_transcript_first():
    plane = FlakyControlPlane(failures=3)
    runner, port = await serve(plane)
    client = ControlPlaneClient(f"http://127.0.0.1:{port}", INTERVIEW, "key", max_backoff=0.05)
    try:
        for seq in (1, 2):
            client.post_turn(turn(seq))
        await asyncio.wait_for(client.complete("agent_end"), 20)
        assert sorted(plane.stored) == [1, 2] and plane.completed == ["agent_end"]
    finally:
        await client.aclose()
        await runner.cleanup()
