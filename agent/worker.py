"""The worker's composition root: the agent server, the per-process prewarm, and the per-interview entrypoint.

Nothing imports this module but `agent.__main__`; it builds the interview's session (`agent.session.compose`, the one
composition the evaluation suite runs too) from the settings, the control plane client, the providers and the
turn-taking settings (`agent.turn_taking`), and puts it in the room.
"""

from __future__ import annotations

import logging
import sys

from livekit.agents import AgentServer, JobContext, JobProcess, cli
from livekit.plugins import silero

from agent import providers, replies
from agent.config import AGENT_NAME, load_worker_settings
from agent.control_plane import open_interview
from agent.session import compose, new_interview_progress
from agent.timing import SystemClock
from agent.turn_taking import load_turn_detector, turn_handling

log = logging.getLogger("agent.worker")
settings = load_worker_settings()

# Seconds the job may spend flushing its transcript once its interview is over or the worker stops.
FLUSH_SECONDS = 30.0


def prewarm(proc: JobProcess) -> None:
    """Load what every interview of this process shares, once: the VAD, the end-of-turn model, offline models, and the
    reply classifier (learned from its examples)."""
    replies.model()
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

    clock = SystemClock()
    progress = new_interview_progress(config)
    built = providers.build(settings, config, ctx.proc.userdata, clock=clock, progress=progress)
    running = compose(
        config,
        client=client,
        brain=built.llm,
        clock=clock,
        progress=progress,
        quiet_seconds=settings.quiet_check_seconds,
        stt=built.stt,
        tts=built.tts,
        vad=ctx.proc.userdata["vad"],
        turn_handling=turn_handling(
            ctx.proc.userdata.get("turn_detector"), streaming_stt=built.stt.capabilities.streaming
        ),
    )
    running.session.on("close", lambda _: ctx.shutdown("interview session closed"))
    running.watch_room(ctx.room, settings.rejoin_grace_seconds)
    await running.start(room=ctx.room)
    ctx.add_shutdown_callback(running.aclose)


def main() -> None:
    if {"start", "dev"} & set(sys.argv[1:]):
        settings.require_livekit()
    cli.run_app(server)
