"""The worker's composition root: the agent server, the per-process prewarm, and the per-interview entrypoint.

Nothing imports this module but `agent.__main__`; it wires the interview's session from the settings, the control
plane client, the providers, the turn-taking settings (`agent.turn_taking`) and the behaviours.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from livekit.agents import AgentServer, AgentSession, JobContext, JobProcess, cli, room_io
from livekit.plugins import silero

from agent import providers
from agent.behaviors.clock import keep_time
from agent.behaviors.presence import check_in_when_respondent_is_quiet, end_when_respondent_is_gone_for_good
from agent.behaviors.transcript import post_turns_to_control_plane
from agent.config import AGENT_NAME, load_worker_settings
from agent.control_plane import open_interview
from agent.interviewer import Interviewer
from agent.turn_taking import load_turn_detector, turn_handling

log = logging.getLogger("agent.worker")
settings = load_worker_settings()

# Seconds the job may spend flushing its transcript once its interview is over or the worker stops.
FLUSH_SECONDS = 30.0


def prewarm(proc: JobProcess) -> None:
    """Load what every interview of this process shares, once: the VAD, the end-of-turn model, offline models."""
    proc.userdata["vad"] = silero.VAD.load()
    proc.userdata["turn_detector"] = load_turn_detector()
    providers.prewarm(settings, proc.userdata)


server = AgentServer(
    setup_fnc=prewarm,
    # Load is counted in interviews, not CPU: a host's CPU is shared (other workers, the LiveKit server), and one
    # interview is one speech pipeline. A worker that holds MAX_INTERVIEWS takes no more; LiveKit sends the next one
    # to another worker.
    load_fnc=lambda worker: len(worker.active_jobs) / settings.max_interviews,
    load_threshold=0.99,
    # One warm process (models loaded) waits for the next dispatch, so a respondent is greeted within a second.
    num_idle_processes=1,
    # Long enough for a stopped job's queued turns to reach the control plane (FLUSH_SECONDS) with room to spare.
    shutdown_process_timeout=FLUSH_SECONDS + 15,
    # Loading the VAD, the end-of-turn model and the offline speech models takes seconds on a slow host.
    initialize_process_timeout=60.0,
    # SIGTERM drains: no new jobs, and running interviews (at most 60 minutes) may finish.
    drain_timeout=3900,
    port=settings.health_port,
    ws_url=settings.livekit_url or None,
    api_key=settings.livekit_api_key or None,
    api_secret=settings.livekit_api_secret or None,
)


@server.rtc_session(agent_name=AGENT_NAME)
async def interview(ctx: JobContext) -> None:
    client, config = await open_interview(ctx, settings.control_plane_url, flush_seconds=FLUSH_SECONDS)
    if config.status != "active":
        log.info("interview %s: not active (%s), nothing to do", config.interview_id, config.status)
        ctx.shutdown("interview not active")
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
        turn_handling=turn_handling(
            ctx.proc.userdata.get("turn_detector"), streaming_stt=built.stt.capabilities.streaming
        ),
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

    session.on("close", lambda _: ctx.shutdown("interview session closed"))
    post_turns_to_control_plane(session, client, config.next_seq)
    check_in_when_respondent_is_quiet(session, end, config.interview_id)
    identity = f"respondent-{config.interview_id}"
    end_when_respondent_is_gone_for_good(ctx.room, identity, settings.rejoin_grace_seconds, end, config.interview_id)

    await session.start(
        agent=Interviewer(config, llm_model=built.llm, on_end=end),
        room=ctx.room,
        # A dropped respondent may come back: the session waits for the same identity instead of closing.
        room_options=room_io.RoomOptions(participant_identity=identity, close_on_disconnect=False),
    )
    clock = asyncio.get_running_loop().create_task(keep_time(session, config.ends_at, end, config.interview_id))
    ctx.add_shutdown_callback(lambda: _cancel(clock))


async def _cancel(task: asyncio.Task) -> None:
    task.cancel()


def main() -> None:
    if {"start", "dev"} & set(sys.argv[1:]):
        settings.require_livekit()
    cli.run_app(server)
