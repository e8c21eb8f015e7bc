"""A control plane at the network boundary: a real HTTP server on loopback that speaks the internal API.

It stores turns by seq as the real one does (the same turn again is not stored twice) and the latest question
outcomes (an older state never replaces a newer one), can lose its answers on purpose, and can be stopped and
started again on the same port.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

KEY = "agent-key-for-tests"


class FakeControlPlane:
    def __init__(self, interview: dict[str, Any] | None = None, failures: int = 0) -> None:
        self.interview = interview or {}
        self.failures = failures
        self.stored: dict[int, dict] = {}
        self.attempts = 0
        self.completed: list[str] = []
        self.notes: list[str] = []
        self.questions: list[dict] = []
        self.questions_through = -1
        self.authorizations: list[str] = []
        self.changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/agent/interviews/{id}", self.get_interview)
        app.router.add_put("/api/agent/interviews/{id}/turns/{seq}", self.put_turn)
        app.router.add_put("/api/agent/interviews/{id}/questions", self.put_questions)
        app.router.add_post("/api/agent/interviews/{id}/complete", self.complete)
        return app

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> FakeControlPlane:
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _authorized(self, request: web.Request) -> bool:
        self.authorizations.append(request.headers.get("Authorization", ""))
        return request.headers.get("Authorization") == f"Bearer {KEY}" and (
            not self.interview or request.match_info["id"] == self.interview["interview_id"]
        )

    async def get_interview(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": "not_found"}, status=404)
        return web.json_response(self.interview)

    async def put_turn(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if not self._authorized(request):
            return web.json_response({"code": "not_found"}, status=404)
        body = await request.json()
        seq = int(request.match_info["seq"])
        if seq in self.stored and self.stored[seq]["text"] != body["text"]:
            return web.json_response({"code": "turn_conflict"}, status=409)
        created = seq not in self.stored
        self.stored.setdefault(seq, body)
        self.changed.set()
        if self.failures > 0:
            self.failures -= 1  # stored, but the answer is lost: the client must retry without duplicating
            return web.json_response({"code": "unavailable"}, status=503)
        return web.json_response({"seq": seq, "created": created})

    async def put_questions(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": "not_found"}, status=404)
        body = await request.json()
        stored = body["through_seq"] >= self.questions_through
        if stored:
            self.questions_through, self.questions = body["through_seq"], body["questions"]
            self.changed.set()
        return web.json_response({"through_seq": body["through_seq"], "stored": stored})

    def outcomes(self) -> list[str]:
        """The questions' outcomes as the record would show them once completed."""
        settled = {"pending": "not_reached", "asked": "not_reached"} if self.completed else {}
        return [settled.get(q["outcome"], q["outcome"]) for q in self.questions]

    async def complete(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": "not_found"}, status=404)
        body = await request.json()
        self.completed.append(body["reason"])
        self.notes.append(body.get("note", ""))
        self.changed.set()
        return web.json_response({"status": "completed", "completion_reason": self.completed[0]})

    def transcript(self) -> list[tuple[str, str]]:
        return [(self.stored[seq]["speaker"], self.stored[seq]["text"]) for seq in sorted(self.stored)]

    async def until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        """Wait until what the control plane holds satisfies `condition`, or fail at the deadline."""
        deadline = time.monotonic() + timeout
        while not condition():
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the control plane never got there; it holds {self.transcript()}")
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                pass
