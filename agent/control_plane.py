"""The worker's only way to the control plane: an HTTP client for one interview.

Turns, and the question outcomes that follow them, are queued and sent in order by one background task, each
retried with backoff until the control plane takes it; `PUT …/turns/{seq}` and `PUT …/questions` are idempotent, so
a retry after a lost answer stores nothing twice. If the control plane is away, they wait in a bounded queue and are
flushed when it returns, and before the worker exits.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from livekit.agents import JobContext

from agent.config import DispatchMetadata
from agent.interview import InterviewConfig

log = logging.getLogger("agent.control_plane")

MAX_QUEUED_TURNS = 10_000
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class OutgoingTurn:
    seq: int
    speaker: str
    text: str
    started_at: datetime
    ended_at: datetime

    @property
    def path(self) -> str:
        return f"/turns/{self.seq}"

    def body(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "text": self.text,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
        }


@dataclass(frozen=True)
class OutgoingQuestions:
    """Where each guide question stands, as of the turn `through_seq`: a later state replaces an earlier one."""

    through_seq: int
    questions: list[dict[str, Any]]

    @property
    def path(self) -> str:
        return "/questions"

    def body(self) -> dict[str, Any]:
        return {"through_seq": self.through_seq, "questions": self.questions}


class ControlPlaneError(RuntimeError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"control plane answered {status}: {body[:200]}")
        self.status = status


class ControlPlaneClient:
    def __init__(
        self,
        base_url: str,
        interview_id: str,
        agent_key: str,
        *,
        max_backoff: float = 5.0,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base = f"{base_url.rstrip('/')}/api/agent/interviews/{interview_id}"
        self.interview_id = interview_id
        self._headers = {"Authorization": f"Bearer {agent_key}"}
        self._max_backoff = max_backoff
        self._session = session
        self._owns_session = session is None
        self._queue: deque[OutgoingTurn | OutgoingQuestions] = deque(maxlen=MAX_QUEUED_TURNS)
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._sender: asyncio.Task | None = None
        self.sent: list[int] = []

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        session = await self._http()
        async with session.request(method, self.base + path, json=body, headers=self._headers) as r:
            text = await r.text()
            if r.status >= 400:
                raise ControlPlaneError(r.status, text)
            return await r.json(content_type=None)

    async def _with_retries(self, method: str, path: str, body: dict | None = None, attempts: int | None = None):
        delay = 0.2
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._call(method, path, body)
            except ControlPlaneError as exc:
                if exc.status not in RETRY_STATUSES or (attempts and attempt >= attempts):
                    raise
                log.warning("interview %s: %s %s failed (%s), retrying", self.interview_id, method, path, exc.status)
            except (TimeoutError, aiohttp.ClientError) as exc:
                if attempts and attempt >= attempts:
                    raise
                log.warning("interview %s: control plane unreachable (%s), retrying", self.interview_id, exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_backoff)

    async def get_interview(self) -> InterviewConfig:
        return InterviewConfig.from_api(await self._with_retries("GET", "", attempts=8))

    def post_turn(self, turn: OutgoingTurn) -> None:
        """Queue a finished turn; it is sent in order, in the background."""
        self._enqueue(turn)

    def post_questions(self, through_seq: int, questions: list[dict[str, Any]]) -> None:
        """Queue the question outcomes as of turn `through_seq`; sent after that turn, in the background."""
        self._enqueue(OutgoingQuestions(through_seq, questions))

    def _enqueue(self, item: OutgoingTurn | OutgoingQuestions) -> None:
        self._queue.append(item)
        self._idle.clear()
        self._wakeup.set()
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_forever())

    async def _send_forever(self) -> None:
        while True:
            while self._queue:
                item = self._queue[0]
                try:
                    await self._with_retries("PUT", item.path, item.body())
                    if isinstance(item, OutgoingTurn):
                        self.sent.append(item.seq)
                except ControlPlaneError as exc:
                    # 409: another text already holds this seq; 404/410: the interview is gone. Retrying cannot help.
                    log.error("interview %s: %s refused (%s)", self.interview_id, item.path, exc.status)
                self._queue.popleft()
            self._idle.set()
            self._wakeup.clear()
            await self._wakeup.wait()

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued turn is stored; answer False if some are still waiting at the timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            log.error("interview %s: %d turn(s) not delivered", self.interview_id, len(self._queue))
            return False

    async def complete(self, reason: str, note: str = "") -> dict:
        await self.flush()
        body = {"reason": reason, **({"note": note} if note else {})}
        return await self._with_retries("POST", "/complete", body, attempts=10)

    async def aclose(self, flush_timeout: float = 0.0) -> None:
        """Stop sending; with `flush_timeout`, first give the queued turns that long to reach the control plane."""
        if flush_timeout and self._queue:
            await self.flush(flush_timeout)
        if self._sender is not None:
            self._sender.cancel()
        if self._owns_session and self._session is not None:
            await self._session.close()


async def open_interview(
    ctx: JobContext, control_plane_url: str, *, flush_seconds: float = 30.0
) -> tuple[ControlPlaneClient, InterviewConfig]:
    """Read the job's dispatch metadata and fetch the interview it names, with the key it carries. The client
    closes with the job, after giving queued turns `flush_seconds` to arrive (shutdown callbacks run concurrently,
    so flushing and closing are one callback)."""
    meta = DispatchMetadata.parse(ctx.job.metadata)
    client = ControlPlaneClient(control_plane_url, meta.interview_id, meta.agent_key)
    try:
        config = await client.get_interview()
    except BaseException:
        await client.aclose()
        raise
    ctx.add_shutdown_callback(lambda: client.aclose(flush_timeout=flush_seconds))
    return client, config
