"""The worker's composition root: the agent server, the per-process prewarm, and the per-interview entrypoint.

Nothing imports this module but `agent.__main__`; it builds the interview's session (`agent.session.compose`, the one
composition the evaluation suite runs too) from the settings, the control plane client, the providers and the
turn-taking settings (`agent.turn_taking`), and puts it in the room.

Interviews run as threads of the worker process (`JOB_EXECUTOR=thread`, the default) and share one set of models:
the VAD, the end-of-turn model and the offline speech models are loaded once per worker, not once per interview, and
the heavy work (ONNX, CTranslate2, the end-of-turn model) runs outside Python's lock. A worker's load counts its
host's CPU as well as its interviews (`agent.capacity`), it holds a lease on each interview it runs
(`agent.heartbeat`), and it serves Prometheus metrics (`agent.metrics`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import sys
import threading
from collections.abc import Callable
from typing import Any

from livekit.agents import (
    AgentServer,
    AgentSession,
    JobContext,
    JobExecutorType,
    JobProcess,
    UserStateChangedEvent,
    cli,
    room_io,
)
from livekit.agents.inference import VAD

from agent import metrics, providers, replies
from agent.capacity import LOAD_THRESHOLD, HostCPU, worker_load
from agent.config import AGENT_NAME, hand_to_framework, load_worker_settings
from agent.control_plane import open_interview
from agent.heartbeat import keep_leases
from agent.session import compose, new_interview_progress
from agent.timing import SystemClock
from agent.turn_taking import AEC_WARMUP, VAD_MIN_SILENCE, load_turn_detector, turn_handling

log = logging.getLogger("agent.worker")
settings = load_worker_settings()
hand_to_framework(settings)

# The rate the VAD, the end-of-turn model and Whisper hear at.
INPUT_RATE = 16000
# Seconds between two looks at the agent's audio by the transcript's pacing (the framework's 0.1): no spectrum is made
SPEAKING_RATE_STEP = 0.5
# Seconds the job may spend flushing its transcript once its interview is over or the worker stops.
FLUSH_SECONDS = 30.0


_shared: dict[str, Any] = {}
_lock = threading.Lock()


def prewarm(proc: JobProcess) -> None:
    """Load what every interview of this process shares, once: the VAD, the end-of-turn model, offline models, and the
    reply classifier (learned from its examples). With the thread executor this runs for every interview's thread and
    finds them loaded."""
    with _lock:
        if not _shared:
            replies.model()
            # Silero, run natively by livekit-local-inference: half the CPU of the onnxruntime plugin per stream
            _shared["vad"] = VAD(min_silence_duration=VAD_MIN_SILENCE)
            _shared["turn_detector"] = load_turn_detector()
    proc.userdata.update(_shared)
    providers.prewarm(settings, proc.userdata)


def report_load(worker: AgentServer) -> float:
    """The larger of the interviews held against MAX_INTERVIEWS and the host's CPU against WORKER_CPU_LIMIT."""
    interviews, cpu = len(worker.active_jobs), HostCPU.shared().used()
    load = worker_load(interviews, settings.max_interviews, cpu, settings.worker_cpu_limit)
    metrics.worker_state(interviews=interviews, load=load, host_cpu=cpu)
    return load


threaded = settings.job_executor == "thread"
server = AgentServer(
    setup_fnc=prewarm,
    job_executor_type=JobExecutorType.THREAD if threaded else JobExecutorType.PROCESS,
    # A worker that holds MAX_INTERVIEWS, or whose host is busier than WORKER_CPU_LIMIT, takes no more; LiveKit sends
    # the next interview to another worker, or none is free (the control plane tells the respondent).
    load_fnc=report_load,
    load_threshold=LOAD_THRESHOLD,
    # Warm runners wait for the next dispatches, so a respondent is greeted within a second or two. A thread is
    # cheap (the models are shared): one per interview the worker may hold, because the framework also counts each
    # job accepted but not yet running as LOAD_THRESHOLD / num_idle_processes of load, and with two a worker turned
    # away the third of several respondents who joined together (the control plane retried 11 s later). A process
    # holds its own models.
    num_idle_processes=settings.max_interviews if threaded else 1,
    # Long enough for a stopped job's queued turns to reach the control plane (FLUSH_SECONDS) with room to spare.
    shutdown_process_timeout=FLUSH_SECONDS + 15,
    # Loading the VAD, the end-of-turn model and the offline speech models takes seconds on a slow host.
    initialize_process_timeout=60.0,
    # SIGTERM drains: no new jobs, and running interviews (at most 60 minutes) may finish.
    drain_timeout=3900,
    port=settings.health_port,
    prometheus_port=settings.metrics_port or None,
    ws_url=settings.livekit_url or None,
    api_key=settings.livekit_api_key or None,
    api_secret=settings.livekit_api_secret or None,
)


@server.rtc_session(agent_name=AGENT_NAME)
async def interview(ctx: JobContext) -> None:
    # the interview is fetched while the agent joins the room: neither waits for the other
    opening = asyncio.ensure_future(open_interview(ctx, settings.control_plane_url, flush_seconds=FLUSH_SECONDS))
    try:
        # Not bounded by a timeout: a connect cancelled midway leaves the rtc library's room handshake unfinished, and
        # the library then stops the whole worker (SIGTERM) 15 s later.
        await ctx.connect()
    except BaseException:
        opening.cancel()
        raise
    client, config = await opening
    if config.status != "active":
        log.info("interview %s: not active (%s), nothing to do", config.interview_id, config.status)
        ctx.shutdown("interview not active")
        return
    log.info("interview %s: in room %s (resuming after turn %d)", config.interview_id, config.room, config.next_seq - 1)

    clock = SystemClock()
    progress = new_interview_progress(config)
    built = providers.build(settings, config, ctx.proc.userdata, clock=clock, progress=progress)
    vad = ctx.proc.userdata["vad"]
    if hasattr(built.stt, "paused"):  # the offline Whisper: hear an answer in the respondent's first pause
        from agent.speech.stt import PauseWatch

        vad = PauseWatch(vad, built.stt)
    running = compose(
        config,
        client=client,
        brain=built.llm,
        clock=clock,
        progress=progress,
        quiet_seconds=settings.quiet_check_seconds,
        stt=built.stt,
        tts=built.tts,
        vad=vad,
        turn_handling=turn_handling(
            ctx.proc.userdata.get("turn_detector"), interim_words=built.stt.capabilities.interim_results
        ),
        aec_warmup_duration=AEC_WARMUP,
    )
    session = running.session
    if not settings.has_model and hasattr(built.tts, "say_ahead"):  # the guide's words, ready before they are asked
        built.tts.say_ahead(text for q in progress.questions for text in (q.text, *q.probes))
    if hasattr(built.stt, "ignore_backchannel"):  # the offline Whisper: "mm-hm" over the agent is not an answer
        built.stt.ignore_backchannel = lambda: agent_holds_the_floor(session)
    if hasattr(built.stt, "transcribe_now"):  # the offline Whisper: hear each part of an answer as soon as it ends
        transcribe_when_the_respondent_stops(session, built.stt.transcribe_now)
    metrics.observe(session, config.interview_id)
    session.on("close", lambda _: ctx.shutdown("interview session closed"))
    running.watch_room(ctx.room, settings.rejoin_grace_seconds)
    await running.start(
        room=ctx.room,
        # A dropped respondent may come back: the session waits for the same identity instead of closing.
        room_options=room_io.RoomOptions(
            participant_identity=f"respondent-{config.interview_id}",
            close_on_disconnect=False,
            # audio in at the models' 16 kHz and out at the voice's own rate: WebRTC resamples natively, and the
            # VAD, the end-of-turn model and Whisper no longer each resample every frame in Python
            audio_input=room_io.AudioInputOptions(sample_rate=INPUT_RATE),
            audio_output=room_io.AudioOutputOptions(sample_rate=built.tts.sample_rate),
        ),
    )
    pace_transcript_cheaply(session)
    ctx.add_shutdown_callback(running.aclose)


def pace_transcript_cheaply(session: AgentSession) -> None:
    """The agent's words reach the page in step with its voice, at the syllable rate of each line's audio (its
    syllables over its seconds), with no spectral estimate of the speaking rate.

    The framework estimates the rate from a 1 s spectrum of the agent's audio every 0.1 s, a Python loop of FFTs on the
    interview's event loop. A line said before comes from the voice's cache all at once, so the whole greeting was
    analysed in one burst as it began: at four interviews the loop was blocked for 0.6–0.7 s at a time, and the VAD,
    the greeting and barge-in waited. The estimate finds no speech in audio quieter than its silence threshold, so with
    an infinite threshold it computes no spectrum, and the synchronizer paces by the line's average rate instead. The
    detector has no public option: its options are shared with every stream it makes, the first line's included."""
    synchronizer = getattr(session.room_io, "_tr_synchronizer", None)
    detector = getattr(getattr(synchronizer, "_opts", None), "speaking_rate_detector", None)
    options = getattr(detector, "_opts", None)
    if options is None or not hasattr(options, "_silence_threshold"):
        log.warning("the transcript synchronizer has changed: it estimates the agent's speaking rate from its audio")
        return
    options.step_size = SPEAKING_RATE_STEP
    options._silence_threshold = math.inf


def transcribe_when_the_respondent_stops(session: AgentSession, transcribe_now: Callable[[], None]) -> None:
    """The VAD heard the respondent stop: transcribe what they said at once, so the end-of-turn verdict has the
    words of the whole answer when it is made."""

    @session.on("user_state_changed")
    def _on_user_state(event: UserStateChangedEvent) -> None:
        if event.old_state == "speaking" and event.new_state == "listening":
            transcribe_now()


def agent_holds_the_floor(session: AgentSession) -> bool:
    """The agent is speaking, or its line is paused because the respondent made a sound over it."""
    speech = session.current_speech
    return session.agent_state == "speaking" or (speech is not None and not speech.done() and not speech.interrupted)


@server.on("worker_started")
def _hold_leases() -> None:
    task = asyncio.get_running_loop().create_task(
        keep_leases(server, settings.control_plane_url, settings.livekit_api_secret)
    )
    _leases.append(task)  # keep a reference for the worker's life
    report_freed_places_at_once(server)


_leases: list[asyncio.Task] = []


def report_freed_places_at_once(worker: AgentServer) -> None:
    """When an interview's job ends, tell LiveKit the worker's new load at once. The framework reports it every 2.5 s,
    and LiveKit sends no job to a worker it last heard was full: a respondent who joined in between found no
    interviewer free, and the control plane sent the dispatch again only after it had gone untaken (6 s) and a pause
    (5 s), 11 s of waiting for a place that was free. The framework has no public hook for this."""
    pool = getattr(worker, "_proc_pool", None)
    update = getattr(worker, "_update_worker_status", None)
    if pool is None or update is None or not hasattr(worker, "_worker_load"):
        log.warning("the agent framework has changed: a freed place is reported at its next status update only")
        return
    loop = asyncio.get_running_loop()
    reports: set[asyncio.Task] = set()

    async def report() -> None:
        worker._worker_load = report_load(worker)  # the job is out of the pool's list by now
        await update()

    def closed(_job: object) -> None:
        task = loop.create_task(report())
        reports.add(task)
        task.add_done_callback(reports.discard)

    pool.on("process_closed", closed)


def main() -> None:
    if {"start", "dev"} & set(sys.argv[1:]):
        settings.require_livekit()
    cli.run_app(server)
