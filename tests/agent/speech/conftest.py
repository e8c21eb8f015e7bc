"""The offline models, loaded once for the whole test session (a few seconds), and speech made by espeak-ng."""

from __future__ import annotations

import shutil
from typing import Any

import numpy as np
import pytest
from livekit import rtc

pytest.importorskip("faster_whisper")
pytest.importorskip("onnxruntime")
if shutil.which("espeak-ng") is None:
    pytest.skip("the espeak-ng program is not installed", allow_module_level=True)

from agent import speech  # noqa: E402
from agent.speech import espeak  # noqa: E402


@pytest.fixture(scope="session")
def userdata() -> dict[str, Any]:
    data: dict[str, Any] = {}
    speech.prewarm(data)
    return data


def espeak_frame(text: str, voice: str, words_per_minute: int = 150) -> rtc.AudioFrame:
    """What a respondent would send, as a LiveKit frame: espeak-ng speech at its own 22.05 kHz."""
    samples, rate = espeak.speak(text, voice, words_per_minute)
    return rtc.AudioFrame(samples.tobytes(), rate, 1, len(samples))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0
