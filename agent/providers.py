"""Speech-to-text, the interviewer's brain and text-to-speech, built from settings.

With `OPENAI_API_KEY` (and optionally `OPENAI_BASE_URL`, for any OpenAI-compatible server) the OpenAI plugin serves
all three, with the link's voice and language mapped to the plugin's options. Without it the offline stack in
`agent.offline` runs; nothing is downloaded at run time. The one rule: the rest of the worker asks this module for
providers and never imports a plugin itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from livekit.agents import llm, stt, tts

from agent.config import ConfigError, WorkerSettings
from agent.interview import InterviewConfig

log = logging.getLogger("agent.providers")

# The link's language as the OpenAI STT's `language` option; `auto` lets the model detect it on every turn.
OPENAI_LANGUAGES: dict[str, str | None] = {"en": "en", "ru": "ru", "auto": None}
# The product's voices are OpenAI's names; an unknown one (refused by the control plane anyway) falls back here.
OPENAI_DEFAULT_VOICE = "alloy"
OPENAI_VOICES = frozenset({"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer"})


@dataclass
class Providers:
    stt: stt.STT
    llm: llm.LLM
    tts: tts.TTS


def offline() -> ModuleType:
    try:
        from agent import offline as module
    except ImportError as exc:
        raise ConfigError(
            "No OPENAI_API_KEY is set, so the worker needs the offline providers, but `agent.offline` cannot be "
            f"imported ({exc}). Set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server), "
            "or install the offline speech stack."
        ) from exc
    return module


def prewarm(settings: WorkerSettings, userdata: dict[str, Any]) -> None:
    """Load what every job of this process shares, once: the offline models when they will be used. A missing
    offline stack does not stop the process here; each job then fails with the message of `offline()`."""
    if settings.uses_openai:
        return
    try:
        module = offline()
    except ConfigError as exc:
        log.error("%s", exc)
        return
    module.prewarm(userdata)


def openai_options(settings: WorkerSettings, config: InterviewConfig) -> dict[str, dict[str, Any]]:
    """The OpenAI plugin's keyword arguments for this interview's STT, LLM and TTS."""
    common: dict[str, Any] = {"api_key": settings.openai_api_key}
    if settings.openai_base_url:
        common["base_url"] = settings.openai_base_url
    language = OPENAI_LANGUAGES.get(config.language)
    return {
        "stt": {
            "model": settings.openai_stt_model,
            **({"language": language, "detect_language": False} if language else {"detect_language": True}),
            **common,
        },
        "llm": {"model": settings.openai_llm_model, **common},
        "tts": {
            "model": settings.openai_tts_model,
            "voice": config.voice if config.voice in OPENAI_VOICES else OPENAI_DEFAULT_VOICE,
            **common,
        },
    }


def build(settings: WorkerSettings, config: InterviewConfig, userdata: dict[str, Any]) -> Providers:
    if settings.uses_openai:
        from livekit.plugins import openai

        options = openai_options(settings, config)
        return Providers(
            stt=openai.STT(**options["stt"]),
            llm=openai.LLM(**options["llm"]),
            tts=openai.TTS(**options["tts"]),
        )
    module = offline()
    return Providers(
        stt=module.build_stt(config.language, userdata),
        llm=module.build_llm(config),
        tts=module.build_tts(config.language, config.voice, userdata),
    )
