"""The providers work the way an AgentSession drives them: through livekit-agents' stream adapters."""

from __future__ import annotations

import numpy as np
from livekit import rtc
from livekit.agents import stt as lk_stt
from livekit.agents import tts as lk_tts
from livekit.plugins import silero

from agent import speech

from .conftest import espeak_frame, rms

RATE = 16000


def room_frames(frame: rtc.AudioFrame, silence_s: float = 1.0) -> list[rtc.AudioFrame]:
    """Speech between two silences, in 20 ms frames at 16 kHz, as a LiveKit audio track delivers it."""
    resampler = rtc.AudioResampler(frame.sample_rate, RATE, num_channels=1)
    speech = b"".join(bytes(f.data) for f in [*resampler.push(frame), *resampler.flush()])
    pcm = np.concatenate(
        [
            np.zeros(int(RATE * silence_s), np.int16),
            np.frombuffer(speech, np.int16),
            np.zeros(int(RATE * silence_s), np.int16),
        ]
    )
    step = RATE // 50
    return [rtc.AudioFrame(pcm[i : i + step].tobytes(), RATE, 1, step) for i in range(0, len(pcm) - step + 1, step)]


async def test_stt_hears_an_utterance_cut_by_the_vad(userdata):
    stt = lk_stt.StreamAdapter(stt=speech.build_stt("en", userdata), vad=silero.VAD.load())
    stream = stt.stream()
    for frame in room_frames(espeak_frame("I plan my week on Sunday evening.", "en-us")):
        stream.push_frame(frame)
    stream.end_input()

    finals = [ev async for ev in stream if ev.type == lk_stt.SpeechEventType.FINAL_TRANSCRIPT]

    assert "sunday" in " ".join(ev.alternatives[0].text.lower() for ev in finals)


async def test_tts_speaks_streamed_text(userdata):
    tts = lk_tts.StreamAdapter(tts=speech.build_tts("en", "echo", userdata))
    stream = tts.stream()
    for token in ["Thank you. ", "Could you tell me ", "more about that?"]:
        stream.push_text(token)
    stream.end_input()

    frames = [ev.frame async for ev in stream]

    samples = np.frombuffer(b"".join(bytes(f.data) for f in frames), np.int16)
    assert 1.0 < len(samples) / tts.sample_rate < 6.0 and rms(samples) > 500
