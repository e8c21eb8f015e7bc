"""The worker's Prometheus metrics, served by the agent server at `:AGENT_METRICS_PORT/metrics`.

Beside the framework's own (`lk_agents_*`: active jobs, worker load, process start-up), each worker reports:
- `interviewer_active_interviews` and `interviewer_worker_load`, the load it reports to LiveKit (1 is full);
- per-turn latency histograms from the session's own measurements (`ChatMessage.metrics`): voice to voice (the end
  of the respondent's speech to the agent's first audio leaving the worker), end of turn, transcription, the brain's
  first token and the voice's first audio;
- `interviewer_host_cpu_ratio`, the host's CPU use that goes into the load, and the worker's CPU seconds and
  memory (PSS: what its processes hold, shared pages counted once) over all its processes.

Interviews run as threads of the worker process (see `agent.worker`), so one registry holds them all.
"""

from __future__ import annotations

import logging
import os
import time

import psutil
from livekit.agents import AgentSession, ConversationItemAddedEvent, llm
from prometheus_client import Counter, Gauge, Histogram

SECONDS = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0)

ACTIVE = Gauge("interviewer_active_interviews", "Interviews this worker runs now")
LOAD = Gauge("interviewer_worker_load", "The load this worker reports to LiveKit; 1 is full")
HOST_CPU = Gauge("interviewer_host_cpu_ratio", "The host's CPU use, 0 to 1, averaged over 10 s")
CPU = Gauge("interviewer_worker_cpu_seconds", "CPU seconds used by the worker and all its processes")
MEMORY = Gauge("interviewer_worker_memory_pss_bytes", "Memory (PSS) of the worker and all its processes")
VOICE_TO_VOICE = Histogram(
    "interviewer_turn_voice_to_voice_seconds",
    "End of the respondent's speech to the agent's first audio of its reply, at the worker",
    buckets=SECONDS,
)
END_OF_TURN = Histogram(
    "interviewer_turn_end_of_turn_seconds",
    "End of the respondent's speech to the decision that the turn is over",
    buckets=SECONDS,
)
STT = Histogram(
    "interviewer_turn_stt_seconds", "End of the respondent's speech to the final transcript", buckets=SECONDS
)
LLM = Histogram("interviewer_turn_llm_first_token_seconds", "The reply's first token", buckets=SECONDS)
TTS = Histogram("interviewer_turn_tts_first_audio_seconds", "The reply's first audio from the voice", buckets=SECONDS)
INTERRUPTED = Counter("interviewer_agent_lines_interrupted_total", "Agent lines the respondent interrupted")

# The worker's own CPU is read every 5 s and its memory every 30 s: walking the process tree twice a second costs more
# than it tells, and the PSS (the kernel walks every mapping of the process: 30 ms for a worker with its models) took
# a tenth of an idle worker's CPU at every 5 s.
_USAGE_EVERY = 5.0
_MEMORY_EVERY = 30.0
_last_usage = 0.0
_last_memory = 0.0
log = logging.getLogger("agent.metrics")


def observe(session: AgentSession, interview_id: str) -> None:
    """Record the latencies of each finished turn of `session`, and log them with the interview's id."""
    heard: dict[str, float] = {}

    @session.on("conversation_item_added")
    def _on_item(event: ConversationItemAddedEvent) -> None:
        item = event.item
        if not isinstance(item, llm.ChatMessage):
            return
        m = item.metrics or {}
        if item.role == "user":
            _observe(END_OF_TURN, m.get("end_of_turn_delay"))
            _observe(STT, m.get("transcription_delay"))
            heard.update(eot=m.get("end_of_turn_delay", -1), stt=m.get("transcription_delay", -1))
        elif item.role == "assistant":
            _observe(VOICE_TO_VOICE, m.get("e2e_latency"))
            _observe(LLM, m.get("llm_node_ttft"))
            _observe(TTS, m.get("tts_node_ttfb"))
            if item.interrupted:
                INTERRUPTED.inc()
            if m.get("e2e_latency") is not None:
                log.info(
                    "interview %s: reply %.2f s after the respondent stopped (end of turn %.2f, transcript %.2f, "
                    "first token %.2f, first audio %.2f)",
                    interview_id,
                    m["e2e_latency"],
                    heard.get("eot", -1),
                    heard.get("stt", -1),
                    m.get("llm_node_ttft", -1),
                    m.get("tts_node_ttfb", -1),
                )
            heard.clear()


def _observe(histogram: Histogram, value: float | None) -> None:
    if value is not None and value >= 0:
        histogram.observe(value)


def worker_state(*, interviews: int, load: float, host_cpu: float) -> None:
    """Called with each load report (every 0.5 s): the gauges, every 5 s the worker's CPU and every 30 s its memory."""
    global _last_usage, _last_memory
    ACTIVE.set(interviews)
    LOAD.set(load)
    HOST_CPU.set(host_cpu)
    now = time.monotonic()
    if now - _last_usage >= _USAGE_EVERY:
        _last_usage = now
        procs = _worker_processes()
        CPU.set(sum(_cpu(p) for p in procs))
        if now - _last_memory >= _MEMORY_EVERY:
            _last_memory = now
            MEMORY.set(sum(_pss(p) for p in procs))


def _worker_processes() -> list[psutil.Process]:
    me = psutil.Process(os.getpid())
    try:
        return [me, *me.children(recursive=True)]
    except psutil.Error:
        return [me]


def _cpu(process: psutil.Process) -> float:
    """Its own CPU and that of its children that have ended (espeak-ng runs, job processes)."""
    try:
        times = process.cpu_times()
        return times.user + times.system + times.children_user + times.children_system
    except psutil.Error:
        return 0.0


def _pss(process: psutil.Process) -> float:
    try:
        return float(process.memory_full_info().pss)
    except psutil.Error:
        return 0.0
