"""The providers work the way an AgentSession drives them: Whisper as a stream the session flushes at the end of
each turn, the voice through livekit-agents' stream adapter."""

from __future__ import annotations

import numpy as np
from livekit import rtc
from livekit.agents import stt as lk_stt
from livekit.agents import tts as lk_tts

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


async def finals_of(stream) -> list[str]:
    return [
        ev.alternatives[0].text.lower() async for ev in stream if ev.type == lk_stt.SpeechEventType.FINAL_TRANSCRIPT
    ]


async def test_stt_transcribes_each_turn_when_the_session_flushes_it(userdata):
    stt = speech.build_stt("en", userdata)
    assert stt.capabilities.streaming and stt.capabilities.manual_flush  # no VAD of its own
    stream = stt.stream()
    for frame in room_frames(espeak_frame("I plan my week on Sunday evening.", "en-us"), silence_s=4.0):
        stream.push_frame(frame)
    stream.flush()
    for frame in room_frames(espeak_frame("Meetings get in the way.", "en-us")):
        stream.push_frame(frame)
    stream.flush()
    stream.end_input()

    finals = await finals_of(stream)

    assert len(finals) == 2 and "sunday" in finals[0] and "meeting" in finals[1], finals


async def test_a_flush_over_silence_is_no_words(userdata):
    stream = speech.build_stt("en", userdata).stream()
    quiet = rtc.AudioFrame(np.zeros(RATE, np.int16).tobytes(), RATE, 1, RATE)
    for frame in room_frames(quiet, silence_s=2.0):
        stream.push_frame(frame)
    stream.flush()
    stream.end_input()

    assert await finals_of(stream) == []


async def test_a_backchannel_while_the_agent_holds_the_floor_is_no_answer(userdata):
    async def heard(agent_speaking: bool) -> list[str]:
        stt = speech.build_stt("en", userdata)
        stt.ignore_backchannel = lambda: agent_speaking
        stream = stt.stream()
        for frame in room_frames(espeak_frame("Okay.", "en-us")):
            stream.push_frame(frame)
        stream.flush()
        stream.end_input()
        return [text.strip(" .!") for text in await finals_of(stream)]

    assert await heard(agent_speaking=True) == []
    assert await heard(agent_speaking=False) == ["okay"]  # asked and listening, "okay" is an answer


async def test_a_backchannel_over_the_agent_is_no_answer_even_when_transcribed_after_its_line(userdata):
    """On a busy worker the transcript of a "mm-hm" said over the agent can come after the agent's line is over: the
    floor is judged as the utterance ends (the flush), not when its words are ready."""
    stt = speech.build_stt("en", userdata)
    floor = {"agent": True}
    stt.ignore_backchannel = lambda: floor["agent"]
    stream = stt.stream()
    for frame in room_frames(espeak_frame("Okay.", "en-us")):
        stream.push_frame(frame)
    stream.flush()
    floor["agent"] = False  # the agent's line ends while Whisper is at work
    stream.end_input()

    assert await finals_of(stream) == []


async def test_tts_speaks_streamed_text(userdata):
    tts = lk_tts.StreamAdapter(tts=speech.build_tts("en", "echo", userdata))
    stream = tts.stream()
    for token in ["Thank you. ", "Could you tell me ", "more about that?"]:
        stream.push_text(token)
    stream.end_input()

    frames = [ev.frame async for ev in stream]

    samples = np.frombuffer(b"".join(bytes(f.data) for f in frames), np.int16)
    assert 1.0 < len(samples) / tts.sample_rate < 6.0 and rms(samples) > 500
