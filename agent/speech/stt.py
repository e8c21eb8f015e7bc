"""Whisper speech-to-text through faster-whisper (CTranslate2, int8 on CPU), as a livekit-agents STT.

Whisper hears a whole utterance at a time, so the STT is not streaming: the session wraps it in a `StreamAdapter`
with a VAD. Decoding is greedy (`beam_size=1`) at temperature 0 only: the temperature fallback costs up to 6x on a
hard utterance and buys little for an interview answer.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import numpy as np
from faster_whisper import WhisperModel
from livekit import rtc
from livekit.agents import APIConnectOptions, stt
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.utils import AudioBuffer, is_given

from agent.speech import models

WHISPER_RATE = 16000
# Greedy decoding at temperature 0 can loop on unclear audio ("баси баси баси ..."): cap each 30 s window at a
# generous speaking rate so a loop ends in a fraction of a second instead of filling the window's 448 tokens.
TOKENS_PER_SECOND = 12


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    language_probability: float
    confidence: float
    duration: float


def load_whisper(name: str) -> WhisperModel:
    """`name` is "tiny.en" or "base"; both come from installed packages."""
    path = models.whisper_tiny_en() if name == "tiny.en" else models.whisper_base()
    return WhisperModel(str(path), device="cpu", compute_type="int8", local_files_only=True)


def transcribe(model: WhisperModel, audio: np.ndarray, language: str | None) -> Transcript:
    """Blocking: `audio` is mono float32 at 16 kHz; `language` None detects it."""
    if len(audio) < WHISPER_RATE // 10:  # under 0.1 s: nothing was said
        return Transcript("", language or "en", 0.0, 0.0, len(audio) / WHISPER_RATE)
    segments, info = model.transcribe(
        audio,
        language=language,
        beam_size=1,
        temperature=0.0,
        vad_filter=False,
        condition_on_previous_text=False,
        without_timestamps=True,
        max_new_tokens=min(440, 16 + int(TOKENS_PER_SECOND * min(len(audio) / WHISPER_RATE, 30.0))),
    )
    segments = list(segments)
    text = " ".join(segment.text.strip() for segment in segments).strip()
    confidence = float(np.exp(np.mean([s.avg_logprob for s in segments]))) if segments else 0.0
    return Transcript(text, info.language, info.language_probability, confidence, info.duration)


def to_whisper_audio(buffer: AudioBuffer) -> np.ndarray:
    """Any LiveKit audio (one frame or many, any rate, any channels) as mono float32 at 16 kHz."""
    frame = rtc.combine_audio_frames(buffer) if isinstance(buffer, list) else buffer
    if frame.samples_per_channel == 0:
        return np.zeros(0, dtype=np.float32)
    if frame.num_channels > 1:
        pcm = np.frombuffer(frame.data, dtype=np.int16).reshape(-1, frame.num_channels)
        mono = pcm.mean(axis=1).astype(np.int16)
        frame = rtc.AudioFrame(mono.tobytes(), frame.sample_rate, 1, len(mono))
    if frame.sample_rate != WHISPER_RATE:
        resampler = rtc.AudioResampler(frame.sample_rate, WHISPER_RATE, num_channels=1)
        frames = [*resampler.push(frame), *resampler.flush()]
        pcm = b"".join(bytes(f.data) for f in frames)
    else:
        pcm = bytes(frame.data)
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


class WhisperSTT(stt.STT):
    """One Whisper model and the language to hear: "en", "ru", or "auto" to detect it per utterance."""

    def __init__(self, model: WhisperModel, *, model_name: str, language: str = "auto") -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._whisper = model
        self._model_name = model_name
        self._language = language

    @property
    def model(self) -> str:
        return f"whisper-{self._model_name}"

    @property
    def provider(self) -> str:
        return "faster-whisper"

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        wanted = language if is_given(language) and language else self._language
        if self._model_name.endswith(".en"):
            wanted = "en"
        audio = to_whisper_audio(buffer)
        result = await asyncio.to_thread(transcribe, self._whisper, audio, None if wanted == "auto" else wanted)
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            request_id=uuid.uuid4().hex,
            alternatives=[
                stt.SpeechData(
                    language=result.language,
                    text=result.text,
                    end_time=result.duration,
                    confidence=result.confidence,
                    metadata={"language_probability": result.language_probability},
                )
            ],
        )
