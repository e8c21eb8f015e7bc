"""An interview run as the worker runs it, in text mode on a simulated clock, with the control plane at the HTTP
boundary: the session comes from `agent.session.compose`, the worker's own composition.

The respondent is driven from the test: `say()` speaks for as long as the words take (the clock moves, and what
falls due on the way happens: the clock's limit, a wait for the respondent to finish), then the words arrive as the
respondent's turn; `silent()` lets time pass with nobody speaking (the presence check-in, then the close). Every
agent line takes the time it would take to say.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from livekit.agents import llm

from agent.control_plane import ControlPlaneClient
from agent.interview import InterviewConfig
from agent.progress import Progress
from agent.session import InterviewSession, compose, new_interview_progress
from tests.agent.fake_control_plane import KEY, FakeControlPlane
from tests.agent.sim_clock import SimClock

SIM_START = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)
AGENT_WORDS_PER_SECOND = 2.6
RESPONDENT_WORDS_PER_SECOND = 2.5
QUIET_SECONDS = 20.0

Brain = Callable[[InterviewConfig, SimClock, Progress], llm.LLM]


def speaking_seconds(text: str, words_per_second: float) -> float:
    return max(1.0, len(text.split()) / words_per_second)


@dataclass
class Line:
    at: float  # seconds since the interview started
    speaker: str  # "agent" | "respondent"
    text: str


@dataclass
class Run:
    config: InterviewConfig
    brain: Brain
    quiet_seconds: float = QUIET_SECONDS
    clock: SimClock | None = None
    lines: list[Line] = field(default_factory=list)

    async def __aenter__(self) -> Run:
        self.plane = await FakeControlPlane().start()
        self.client = ControlPlaneClient(self.plane.url, self.config.interview_id, KEY, max_backoff=0.05)
        self.clock = self.clock or SimClock(self.config.started_at + _elapsed(self.config))
        progress = new_interview_progress(self.config)
        self.interview: InterviewSession = compose(
            self.config,
            client=self.client,
            brain=self.brain(self.config, self.clock, progress),
            clock=self.clock,
            progress=progress,
            quiet_seconds=self.quiet_seconds,
        )
        self.session = self.interview.session
        self.clock.settle = self.idle
        self.session.on("conversation_item_added", self._heard)
        await self.interview.start()
        await self.idle()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.interview.aclose()
        with contextlib.suppress(Exception):
            await self.session.aclose()
        await self.client.flush(timeout=10)
        await self.client.aclose()
        await self.plane.stop()

    # What happened.

    def _heard(self, event) -> None:
        item = event.item
        if not isinstance(item, llm.ChatMessage) or item.role not in ("user", "assistant") or not item.text_content:
            return
        at = (self.clock.now() - self.config.started_at).total_seconds()
        speaker = "agent" if item.role == "assistant" else "respondent"
        self.lines.append(Line(at, speaker, item.text_content))
        if speaker == "agent":
            self.clock.jump(speaking_seconds(item.text_content, AGENT_WORDS_PER_SECOND))

    @property
    def ended(self) -> bool:
        return self.interview.ending.done.is_set()

    @property
    def left(self) -> float:
        return (self.config.ends_at - self.clock.now()).total_seconds()

    def agent_lines(self) -> list[str]:
        return [line.text for line in self.lines if line.speaker == "agent"]

    # Driving.

    async def idle(self) -> None:
        """Until the session has nothing in flight: replies generated, tools run, the ending's goodbye said."""
        for _ in range(3):
            for _ in range(20):
                await asyncio.sleep(0)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.session.wait_for_idle(), 10)
            await asyncio.sleep(0.005)

    async def say(self, text: str, seconds: float | None = None) -> None:
        """The respondent speaks: the clock runs for as long as it takes, then the words arrive as a turn."""
        if self.ended:
            return
        seconds = speaking_seconds(text, RESPONDENT_WORDS_PER_SECOND) if seconds is None else seconds
        self.session._update_user_state("speaking")  # what the VAD says while they talk
        await self.clock.advance(seconds)
        self.session._update_user_state("listening")
        if self.ended:
            return
        with contextlib.suppress(RuntimeError):
            result = self.session.run(user_input=text)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(result, 20)
        await self.idle()

    async def silent(self, seconds: float) -> None:
        await self.clock.advance(seconds)
        await self.idle()

    async def finish(self, limit_seconds: float = 120.0) -> None:
        """Let time run (the respondent silent) until the interview has ended, at most `limit_seconds` of it."""
        waited = 0.0
        while not self.ended and waited < limit_seconds:
            await self.silent(5)
            waited += 5
        await asyncio.wait_for(self.interview.ending.done.wait(), 10) if self.ended else None
        await self.client.flush(timeout=10)


def _elapsed(config: InterviewConfig):
    """A resumed interview starts where its last turn ended."""
    if config.turns:
        return max(t.ended_at for t in config.turns) - config.started_at
    return config.started_at - config.started_at
