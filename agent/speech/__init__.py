"""Offline speech for the interviewer: Whisper to hear, Piper and espeak-ng to speak; nothing downloaded.

`prewarm` loads the models once per worker process; `build_stt` and `build_tts` hand each interview its recogniser
and voice from them.
"""

from __future__ import annotations

from typing import Any

from agent.speech.models import ModelMissing
from agent.speech.voices import VOICES, EspeakVoice, OfflineTTS, PiperVoice
from agent.speech.whisper import WhisperSTT, load

__all__ = ["VOICES", "ModelMissing", "build_stt", "build_tts", "prewarm"]


def prewarm(userdata: dict[str, Any]) -> None:
    userdata["whisper.en"] = load("en")
    userdata["whisper.multi"] = load("auto")
    userdata["piper.joe"] = PiperVoice()


def build_stt(language: str, userdata: dict[str, Any]) -> WhisperSTT:
    key = "whisper.en" if language == "en" else "whisper.multi"
    if key not in userdata:
        userdata[key] = load("en" if language == "en" else "auto")
    return WhisperSTT(userdata[key], language)


def build_tts(language: str, voice: str, userdata: dict[str, Any]) -> OfflineTTS:
    if voice not in VOICES:
        raise ValueError(f"unknown voice {voice!r}; the voices are {', '.join(VOICES)}")
    if language == "ru":
        name = VOICES[voice]["ru"]
        return OfflineTTS(EspeakVoice(name), f"espeak-ng:{name}")
    if "piper.joe" not in userdata:
        userdata["piper.joe"] = PiperVoice()
    return OfflineTTS(userdata["piper.joe"], "piper:joe")
