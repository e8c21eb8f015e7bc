"""Speech-to-text, the interviewer's brain and text-to-speech, built from settings.

Speech and the brain are chosen apart. With `OPENAI_API_KEY` (and optionally `OPENAI_BASE_URL`) the OpenAI plugin
hears and speaks, with the link's voice and language mapped to its options; without it the offline speech in
`agent.offline` does, with nothing downloaded at run time. With a language model configured (`LLM_BASE_URL`,
`LLM_API_KEY`, or an OpenAI key; see `agent.config.llm_settings`) any OpenAI-compatible chat server is the brain, so
llama.cpp, Ollama or vLLM can lead the interview while speech stays offline; without one the guide-driven conductor
leads. The one rule: the rest of the worker asks this module for providers and never imports a plugin itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from livekit.agents import llm, stt, tts

from agent.config import ConfigError, WorkerSettings
from agent.interview import InterviewConfig
from agent.progress import Progress
from agent.timing import Clock

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


def spoken_language(settings: WorkerSettings, config: InterviewConfig) -> str:
    """The language the voice speaks: the link's with a model (it translates the guide); without one, the guide's
    (the conductor cannot translate, so it speaks the guide's language whatever the link says)."""
    if settings.has_model:
        return config.language
    from agent.conductor import interview_language

    return interview_language(config)


def build_brain(
    settings: WorkerSettings, config: InterviewConfig, clock: Clock | None = None, progress: Progress | None = None
) -> llm.LLM:
    if settings.has_model:
        from livekit.plugins import openai

        return openai.LLM(**llm_options(settings))
    from agent.conductor import ConductorLLM

    return ConductorLLM(config, clock, progress)


def llm_options(settings: WorkerSettings) -> dict[str, Any]:
    return {
        "model": settings.llm_model,
        "api_key": settings.llm_api_key,
        **({"base_url": settings.llm_base_url} if settings.llm_base_url else {}),
    }


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
    if settings.has_model:
        module.prewarm(userdata)
        return
    from agent.conductor import fixed_openings, fixed_words

    module.prewarm(userdata, openings=fixed_openings("en"), ahead=fixed_words("en"))


def openai_options(settings: WorkerSettings, config: InterviewConfig) -> dict[str, dict[str, Any]]:
    """The OpenAI plugin's keyword arguments for this interview's STT and TTS (and its LLM: `llm_options`)."""
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
        "llm": llm_options(settings),
        "tts": {
            "model": settings.openai_tts_model,
            "voice": config.voice if config.voice in OPENAI_VOICES else OPENAI_DEFAULT_VOICE,
            **common,
        },
    }


def build(
    settings: WorkerSettings,
    config: InterviewConfig,
    userdata: dict[str, Any],
    *,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> Providers:
    brain = build_brain(settings, config, clock, progress)
    if settings.uses_openai:
        from livekit.plugins import openai

        options = openai_options(settings, config)
        return Providers(stt=openai.STT(**options["stt"]), llm=brain, tts=openai.TTS(**options["tts"]))
    module = offline()
    language = spoken_language(settings, config)
    # Heard in the link's language when it is the one spoken; otherwise Whisper detects it on each utterance.
    hearing = language if language == config.language else "auto"
    return Providers(
        stt=module.build_stt(hearing, userdata),
        llm=brain,
        tts=module.build_tts(language, config.voice, userdata),
    )
