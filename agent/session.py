"""One interview's session, composed in one place: the worker runs it in a room, the evaluation suite in text mode.

`compose()` wires the `AgentSession`, the `Interviewer`, the question progress, the clock and presence behaviours,
the single way to the end, and the transcript posting. The worker passes the real clock, the room's speech
providers and the turn-taking settings; the evaluations pass a simulated clock and no speech. Whatever differs
between them is an argument here, so they cannot drift apart.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from livekit import rtc
from livekit.agents import AgentSession, llm, room_io

from agent.behaviors.clock import close_at_time_limit
from agent.behaviors.ending import Ending
from agent.behaviors.presence import check_in_when_respondent_is_quiet, end_when_respondent_is_gone_for_good
from agent.behaviors.transcript import post_turns_to_control_plane
from agent.conductor import new_progress
from agent.control_plane import ControlPlaneClient
from agent.interview import InterviewConfig
from agent.interviewer import Interviewer
from agent.progress import Progress
from agent.timing import Clock


@dataclass
class InterviewSession:
    config: InterviewConfig
    session: AgentSession
    agent: Interviewer
    ending: Ending
    progress: Progress
    clock: Clock
    _tasks: list[asyncio.Task] = field(default_factory=list)

    async def start(self, room: rtc.Room | None = None, room_options: room_io.RoomOptions | None = None) -> None:
        kwargs: dict[str, Any] = {}
        if room is not None:
            kwargs["room"] = room
            identity = f"respondent-{self.config.interview_id}"
            # A dropped respondent may come back: the session waits for the same identity instead of closing.
            kwargs["room_options"] = room_options or room_io.RoomOptions(
                participant_identity=identity, close_on_disconnect=False
            )
            # Nothing drives or watches the session over the room (`RemoteSession`): without a session host, the
            # framework does not send every event and transcript of the interview into the room as well.
            kwargs["session_host"] = False
        await self.session.start(agent=self.agent, **kwargs)
        self._tasks.append(
            asyncio.get_running_loop().create_task(
                close_at_time_limit(
                    self.session, self.ending, self.clock, self.config.ends_at, self.config.interview_id
                )
            )
        )

    def watch_room(self, room: rtc.Room, grace_seconds: float) -> None:
        """A respondent who drops out and does not come back within `grace_seconds` ends the interview as left."""
        identity = f"respondent-{self.config.interview_id}"
        end_when_respondent_is_gone_for_good(room, identity, grace_seconds, self.ending, self.config.interview_id)

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def new_interview_progress(config: InterviewConfig) -> Progress:
    """The progress of an interview, with what the control plane already holds (a resumed interview)."""
    progress = new_progress(config)
    for turn in config.turns:
        progress.seq(f"turn-{turn.seq}", turn.seq)
    progress.load(list(config.questions))
    progress.changed = False
    return progress


def compose(
    config: InterviewConfig,
    *,
    client: ControlPlaneClient,
    brain: llm.LLM,
    clock: Clock,
    progress: Progress,
    quiet_seconds: float,
    **session_options: Any,
) -> InterviewSession:
    """The session of one interview. `session_options` go to `AgentSession` (speech, VAD, turn handling)."""
    session = AgentSession(llm=brain, user_away_timeout=None, userdata=config, **session_options)
    ending = Ending(session, client.complete, config.interview_id)
    agent = Interviewer(config, llm_model=brain, progress=progress, clock=clock, ending=ending)
    post_turns_to_control_plane(session, client, config.next_seq, progress, clock)
    check_in_when_respondent_is_quiet(session, ending, clock, quiet_seconds, config.interview_id)
    return InterviewSession(config, session, agent, ending, progress, clock)
