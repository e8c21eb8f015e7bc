"""The agent's words reach the page in step with its voice, at a pace the interview's event loop can afford."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from livekit import rtc
from livekit.agents.voice import io
from livekit.agents.voice.transcription.synchronizer import TranscriptSynchronizer

from agent.worker import SPEAKING_RATE_STEP, pace_transcript_cheaply

RATE = 22050


class _Sink(io.AudioOutput):
    def __init__(self) -> None:
        super().__init__(label="sink", capabilities=io.AudioOutputCapabilities(pause=False), sample_rate=RATE)

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)

    def flush(self) -> None:
        super().flush()

    def clear_buffer(self) -> None:
        pass


async def _estimates_in(synchronizer: TranscriptSynchronizer, seconds: float) -> int:
    """How many speaking-rate estimates the synchronizer's detector makes over `seconds` of speech-like audio."""
    stream = synchronizer._opts.speaking_rate_detector.stream()
    noise = (np.random.default_rng(0).standard_normal(int(RATE * seconds)) * 3000).astype(np.int16)
    for start in range(0, len(noise), RATE // 50):
        chunk = noise[start : start + RATE // 50]
        stream.push_frame(rtc.AudioFrame(chunk.tobytes(), RATE, 1, len(chunk)))
    stream.end_input()
    return len([event async for event in stream])


async def test_the_agents_words_are_paced_by_a_speaking_rate_estimate_every_half_second_not_every_tenth():
    default = TranscriptSynchronizer(next_in_chain_audio=_Sink(), next_in_chain_text=None)
    paced = TranscriptSynchronizer(next_in_chain_audio=_Sink(), next_in_chain_text=None)
    try:
        pace_transcript_cheaply(SimpleNamespace(room_io=SimpleNamespace(_tr_synchronizer=paced)))
        before, after = await _estimates_in(default, 3.0), await _estimates_in(paced, 3.0)
    finally:
        await default.aclose()
        await paced.aclose()
    # a 1 s window along 3 s of audio: from 0.0 to 2.0 s every 0.1 s (21) and an estimate of the 0.9 s left; every
    # 0.5 s (5), and the 0.5 s left is too short for one
    assert SPEAKING_RATE_STEP == 0.5
    assert (before, after) == (22, 5)
