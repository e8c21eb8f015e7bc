"""Speech-to-text, the interviewer's brain and text-to-speech, built from settings.

With `OPENAI_API_KEY` (and optionally `OPENAI_BASE_URL`, for any OpenAI-compatible server) the OpenAI plugin serves
all three. Without it the offline stack runs: Whisper and Piper/espeak-ng from installed packages
(`agent.local_speech`), and the guide-driven conductor as the brain. Nothing is downloaded at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livekit.agents import llm, stt, tts

from agent.conductor import ConductorLLM
from agent.config import ConfigError, WorkerSettings
from agent.interview import InterviewConfig

OPENAI_LANGUAGES = {"en": "en", "ru": "ru", "auto": None}


@dataclass
class Providers:
    stt: stt.STT
    llm: llm.LLM
    tts: tts.TTS


def _local_speech():
    try:
        from agent import local_speech
    except ImportError as exc:
        raise ConfigError(
            "No OPENAI_API_KEY is set and the offline speech models are not installed "
            f"({exc}); run scripts/setup, or pip install '.[offline]'."
        ) from exc
    return local_speech


def prewarm(settings: WorkerSettings, userdata: dict[str, Any]) -> None:
    """Load what every job of this process shares, once: the offline speech models when they will be used."""
    if not settings.uses_openai:
        _local_speech().prewarm(userdata)


def build(settings: WorkerSettings, config: InterviewConfig, userdata: dict[str, Any]) -> Providers:
    if settings.uses_openai:
        from livekit.plugins import openai

        common: dict[str, Any] = {"api_key": settings.openai_api_key}
        if settings.openai_base_url:
            common["base_url"] = settings.openai_base_url
        language = OPENAI_LANGUAGES[config.language]
        return Providers(
            stt=openai.STT(
                model=settings.openai_stt_model,
                **({"language": language} if language else {"detect_language": True}),
                **common,
            ),
            llm=openai.LLM(model=settings.openai_llm_model, **common),
            tts=openai.TTS(model=settings.openai_tts_model, voice=config.voice, **common),
        )
    speech = _local_speech()
    return Providers(
        stt=speech.build_stt(config.language, userdata),
        llm=ConductorLLM(config),
        tts=speech.build_tts(config.language, config.voice, userdata),
    )
