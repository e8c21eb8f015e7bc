"""The worker's settings, read once from the environment into a frozen value.

The one rule: nothing else in `agent/` reads `os.environ`. Per-interview data does not live here; it arrives in the
dispatch metadata and from the control plane (`agent.interview`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

AGENT_NAME = "interviewer"


class ConfigError(ValueError):
    """A setting or the dispatch metadata is missing or wrong; the message names it."""


@dataclass(frozen=True)
class WorkerSettings:
    control_plane_url: str = "http://127.0.0.1:8000"
    livekit_url: str = ""
    livekit_api_key: str = ""
    livekit_api_secret: str = ""
    # Speech: OpenAI (or OPENAI_BASE_URL's server) when OPENAI_API_KEY is set, else the offline speech providers.
    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_stt_model: str = "gpt-4o-mini-transcribe"
    openai_tts_model: str = "gpt-4o-mini-tts"
    # The brain: any OpenAI-compatible chat server, set apart from speech (see `load_worker_settings`).
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = "gpt-4o-mini"
    # Seconds a dropped respondent has to come back before the interview is closed as left.
    rejoin_grace_seconds: float = 90.0
    # Seconds of silence before the agent asks whether the respondent is still there.
    quiet_check_seconds: float = 20.0
    # The worker's health endpoint; 0 picks a free port (several workers on one host).
    health_port: int = 8081
    # Interviews one worker runs at once (each is a full speech pipeline; see docs/benchmarks.md for the cost).
    max_interviews: int = 4
    # The host's CPU use (0 to 1) at which the worker reports itself full and takes no more interviews; 0: ignore.
    worker_cpu_limit: float = 0.85
    # "thread": interviews run as threads of one process sharing one set of models (the default); "process": each
    # interview in a process of its own, with its own models (isolation at several times the memory).
    job_executor: str = "thread"
    # Prometheus metrics at :<port>/metrics; 0 turns them off.
    metrics_port: int = 0
    # The framework's event-loop monitor reports a loop blocked this long (ms; 0, the default, turns it off). It wakes
    # every event loop of the worker (its own and one per warm or running interview) every fifth of this, and at most
    # every 50 ms whatever the threshold: an idle worker used 1.37 CPU-s a minute at 250 ms, 1.38 at 1000 ms and 0.47
    # with it off (`python -m bench.idle_worker`). It is a diagnostic: turn it on (250) to find what blocks a loop;
    # the per-turn latency metrics show what respondents feel.
    loop_block_warn_ms: int = 0

    @property
    def uses_openai(self) -> bool:
        """Speech goes to OpenAI (or OPENAI_BASE_URL's server)."""
        return bool(self.openai_api_key)

    @property
    def has_model(self) -> bool:
        """The interviewer's brain is a language model; without one the offline conductor leads."""
        return bool(self.llm_base_url or self.llm_api_key)

    def require_livekit(self) -> None:
        """A worker cannot register without its LiveKit server; say which setting is missing, at start-up."""
        missing = [
            name
            for name, value in (
                ("LIVEKIT_URL", self.livekit_url),
                ("LIVEKIT_API_KEY", self.livekit_api_key),
                ("LIVEKIT_API_SECRET", self.livekit_api_secret),
            )
            if not value
        ]
        if missing:
            raise ConfigError(f"the agent worker needs {', '.join(missing)} (see .env.example)")


def llm_settings(env: Mapping[str, str]) -> tuple[str, str, str]:
    """The brain's server, key and model. `LLM_BASE_URL`, `LLM_API_KEY`, `LLM_MODEL` name them; unset, they fall back
    to the speech settings' server (`OPENAI_BASE_URL`, OpenAI's own by default), `OPENAI_API_KEY` (only when the
    brain's server is not set apart, so an OpenAI key never goes to another server) and `OPENAI_LLM_MODEL`. A server
    that needs no key (llama.cpp, Ollama, vLLM) gets a placeholder, since the client must send one."""
    base_url = (env.get("LLM_BASE_URL") or "").strip()
    key = (env.get("LLM_API_KEY") or "").strip()
    openai_key = (env.get("OPENAI_API_KEY") or "").strip()
    openai_base_url = (env.get("OPENAI_BASE_URL") or "").strip()
    if not base_url and not key:
        key = openai_key
        base_url = openai_base_url if key else ""
    if base_url and not key:
        key = "no-key"
    model = (env.get("LLM_MODEL") or env.get("OPENAI_LLM_MODEL") or "gpt-4o-mini").strip()
    return base_url, key, model


def load_worker_settings(env: Mapping[str, str] | None = None) -> WorkerSettings:
    env = os.environ if env is None else env
    d = WorkerSettings()
    llm_base_url, llm_api_key, llm_model = llm_settings(env)
    try:
        settings = WorkerSettings(
            control_plane_url=(env.get("CONTROL_PLANE_URL") or d.control_plane_url).rstrip("/"),
            livekit_url=env.get("LIVEKIT_URL", ""),
            livekit_api_key=env.get("LIVEKIT_API_KEY", ""),
            livekit_api_secret=env.get("LIVEKIT_API_SECRET", ""),
            openai_api_key=env.get("OPENAI_API_KEY", ""),
            openai_base_url=env.get("OPENAI_BASE_URL", ""),
            llm_base_url=llm_base_url,
            llm_api_key=llm_api_key,
            llm_model=llm_model,
            openai_stt_model=env.get("OPENAI_STT_MODEL") or d.openai_stt_model,
            openai_tts_model=env.get("OPENAI_TTS_MODEL") or d.openai_tts_model,
            rejoin_grace_seconds=float(env.get("REJOIN_GRACE_SECONDS") or d.rejoin_grace_seconds),
            quiet_check_seconds=float(env.get("QUIET_CHECK_SECONDS") or d.quiet_check_seconds),
            health_port=int(env.get("AGENT_HEALTH_PORT") or d.health_port),
            max_interviews=max(1, int(env.get("MAX_INTERVIEWS") or d.max_interviews)),
            worker_cpu_limit=float(env.get("WORKER_CPU_LIMIT") or d.worker_cpu_limit),
            job_executor=(env.get("JOB_EXECUTOR") or d.job_executor).strip().lower(),
            metrics_port=int(env.get("AGENT_METRICS_PORT") or d.metrics_port),
            loop_block_warn_ms=int(env.get("LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS") or d.loop_block_warn_ms),
        )
    except ValueError as exc:
        raise ConfigError(f"a numeric worker setting is not a number: {exc}") from None
    if settings.job_executor not in ("thread", "process"):
        raise ConfigError(f"JOB_EXECUTOR must be thread or process, got {settings.job_executor!r}")
    return settings


def hand_to_framework(settings: WorkerSettings) -> None:
    """The settings livekit-agents reads from the environment itself, with this worker's defaults."""
    os.environ["LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS"] = str(settings.loop_block_warn_ms)


@dataclass(frozen=True)
class DispatchMetadata:
    """What the control plane puts in a dispatch: which interview, and the key that opens it."""

    interview_id: str
    agent_key: str

    @classmethod
    def parse(cls, raw: str) -> DispatchMetadata:
        try:
            data = json.loads(raw or "")
            return cls(interview_id=str(data["interview_id"]), agent_key=str(data["agent_key"]))
        except (ValueError, KeyError, TypeError):
            raise ConfigError("the dispatch metadata must be JSON with interview_id and agent_key") from None
