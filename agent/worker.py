"""The worker's composition root: the agent server, the per-process prewarm, and the per-interview entrypoint.

Turn-taking, chosen for interviews: Silero VAD hears speech, and LiveKit's end-of-turn model `v1-mini`, pinned so a
self-hosted worker never calls a cloud gateway, decides whether a pause ends the respondent's turn.
- Endpointing waits at least 0.6 s after speech and up to 4 s when the model thinks the sentence goes on:
  interviewees pause to think and must not be cut off, but a clear answer gets a reply without seconds of dead air
  (LiveKit's benchmark puts v1-mini at about 1.07 s of dead air at a 5 % premature-cut rate, against 1.6 s for VAD
  alone).
- An interruption needs 0.8 s of speech (and, with a streaming STT, two words): a cough or a "mm-hm" does not stop
  the agent; a real interjection does. Speech that turns out to be noise resumes the agent after 1.5 s.
"""

from __future__ import annotations

import asyncio
import logging

from livekit.agents import AgentServer, AgentSession, JobContext, JobProcess, cli, room_io
from livekit.plugins import silero

from agent import providers
from agent.behaviors.clock import keep_time
from agent.behaviors.presence import check_in_when_respondent_is_quiet, end_when_respondent_is_gone_for_good
from agent.behaviors.transcript import post_turns_to_control_plane
from agent.config import AGENT_NAME, DispatchMetadata, load_worker_settings
from agent.control_plane import ControlPlaneClient
from agent.interviewer import Interviewer

log = logging.getLogger("agent.worker")
settings = load_worker_settings()

TURN_HANDLING = {
    "endpointing": {"min_delay": 0.6, "max_delay": 4.0},
    "interruption": {"min_duration": 0.8, "min_words": 2, "false_interruption_timeout": 1.5},
}


def turn_detector():
    from livekit.agents.inference import TurnDetector

    return TurnDetector(version="v1-mini")


def prewarm(proc: JobProcess) -> None:
    proc.userdata["vad"] = silero.VAD.load()
    providers.prewarm(settings, proc.userdata)


server = AgentServer(
    setup_fnc=prewarm,
    # Each interview is one speech pipeline; past 70 % CPU a worker takes no new interviews.
    load_threshold=0.7,
    num_idle_processes=1,
    # Long enough for a running interview's transcript to reach the control plane when the worker stops.
    shutdown_process_timeout=60.0,
    drain_timeout=3600,
    port=settings.health_port,
)


@server.rtc_session(agent_name=AGENT_NAME)
async def interview(ctx: JobContext) -> None:
    meta = DispatchMetadata.parse(ctx.job.metadata)
    client = ControlPlaneClient(settings.control_plane_url, meta.interview_id, meta.agent_key)
    ctx.add_shutdown_callback(client.aclose)
    config = await client.get_interview()
    if config.status != "active":
        log.info("interview %s: not active (%s), nothing to do", config.interview_id, config.status)
        return
    log.info(
        "interview %s: joining room %s (resuming after turn %d)", config.interview_id, config.room, config.next_seq - 1
    )
    await ctx.connect()

    built = providers.build(settings, config, ctx.proc.userdata)
    session = AgentSession(
        stt=built.stt,
        tts=built.tts,
        vad=ctx.proc.userdata["vad"],
        turn_handling={**TURN_HANDLING, "turn_detection": turn_detector()},
        user_away_timeout=settings.quiet_check_seconds,
        userdata=config,
    )
    ending = asyncio.Event()

    async def end(reason: str) -> None:
        if ending.is_set():
            return
        ending.set()
        log.info("interview %s: ending (%s)", config.interview_id, reason)
        await client.complete(reason)
        session.shutdown(drain=True)

    async def flush_transcript() -> None:
        await client.flush(timeout=30)

    ctx.add_shutdown_callback(flush_transcript)
    post_turns_to_control_plane(session, client, config.next_seq)
    check_in_when_respondent_is_quiet(session, end, config.interview_id)
    identity = f"respondent-{config.interview_id}"
    end_when_respondent_is_gone_for_good(ctx.room, identity, settings.rejoin_grace_seconds, end, config.interview_id)

    await session.start(
        agent=Interviewer(config, llm_model=built.llm, on_end=end),
        room=ctx.room,
        room_options=room_io.RoomOptions(participant_identity=identity, close_on_disconnect=False),
    )
    clock = asyncio.get_running_loop().create_task(keep_time(session, config.ends_at, end, config.interview_id))
    ctx.add_shutdown_callback(lambda: _cancel(clock))


async def _cancel(task: asyncio.Task) -> None:
    task.cancel()


def main() -> None:
    cli.run_app(server)
