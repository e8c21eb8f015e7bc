"""Speech-to-text with faster-whisper, on the CPU, from models that ship in packages.

Settings measured on two cores: int8, greedy (beam 1), temperature 0 only (the fallback ladder is six times slower),
no previous-text conditioning. The session turns this batch recogniser into a stream with its VAD.
"""

from __future__ import annotations

import asyncio
import os

import numpy as np
from livekit import rtc
from livekit.agents import stt, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, APIConnectOptions, NotGivenOr

from agent.speech import models

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SAMPLE_RATE = 16_000


def load(language: str):
    """tiny.en for English; base, multilingual, for Russian and for auto-detection."""
    from faster_whisper import WhisperModel

    path = models.whisper_tiny_en() if language == "en" else models.whisper_base()
    return WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True)


def to_16k_mono(frame: rtc.AudioFrame) -> np.ndarray:
    """Float samples at Whisper's rate: channels averaged, then resampled by LiveKit's resampler."""
    pcm = np.frombuffer(frame.data, dtype=np.int16).reshape(-1, frame.num_channels).mean(axis=1).astype(np.int16)
    if frame.sample_rate != SAMPLE_RATE:
        resampler = rtc.AudioResampler(frame.sample_rate, SAMPLE_RATE, num_channels=1)
        mono = rtc.AudioFrame(pcm.tobytes(), frame.sample_rate, 1, len(pcm))
        out = [*resampler.push(mono), *resampler.flush()]
        pcm = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in out]) if out else pcm[:0]
    return pcm.astype(np.float32) / 32768.0


class WhisperSTT(stt.STT):
    def __init__(self, model, language: str) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._model = model
        self._language = language  # "en" | "ru" | "auto"

    @property
    def model(self) -> str:
        return "whisper-tiny.en" if self._language == "en" else "whisper-base"

    @property
    def provider(self) -> str:
        return "faster-whisper"

    def transcribe(self, samples: np.ndarray) -> tuple[str, str]:
        language = None if self._language == "auto" else self._language
        segments, info = self._model.transcribe(
            samples,
            language=language,
            beam_size=1,
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
        )
        text = " ".join(s.text.strip() for s in segments).strip()
        return text, info.language or (language or "en")

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.SpeechEvent:
        samples = to_16k_mono(rtc.combine_audio_frames(buffer))
        text, detected = await asyncio.to_thread(self.transcribe, samples)
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language=detected, text=text)],
        )
