"""The providers work the way an AgentSession drives them: Whisper as a stream the session flushes at the end of
each turn, the voice through livekit-agents' stream adapter."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
from livekit import rtc
from livekit.agents import stt as lk_stt
from livekit.agents import tts as lk_tts
from livekit.agents.inference import VAD
from livekit.agents.vad import VADEventType

from agent import speech
from agent.speech import stt as stt_module
from agent.speech.stt import WhisperSTT

from .conftest import espeak_frame, rms

RATE = 16000
# tiny.en hears this espeak-ng sentence right whatever the quiet after it and from run to run (some are on the edge:
# "I plan my week on Sunday evening." is heard now and then as "I plan might we come someday evening.")
ANSWER = "We use a shared calendar and a whiteboard in the office."


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
    for frame in room_frames(espeak_frame(ANSWER, "en-us"), silence_s=4.0):
        stream.push_frame(frame)
    stream.flush()
    for frame in room_frames(espeak_frame("Meetings get in the way.", "en-us")):
        stream.push_frame(frame)
    stream.flush()
    stream.end_input()

    finals = await finals_of(stream)

    assert len(finals) == 2 and "calendar" in finals[0] and "meeting" in finals[1], finals


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


class CountingWhisper:
    """The real Whisper, counting its transcriptions and saying when the first begins."""

    def __init__(self, model) -> None:
        self._model = model
        self.calls = 0
        self.began = threading.Event()

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def _begin(self) -> None:
        self.calls += 1
        self.began.set()

    def transcribe(self, *args, **kwargs):  # Whisper's own 30 s windows
        self._begin()
        return self._model.transcribe(*args, **kwargs)

    def feature_extractor(self, *args, **kwargs):  # a shorter window: the first step of a transcription
        self._begin()
        return self._model.feature_extractor(*args, **kwargs)


def counting_stt(userdata) -> tuple[WhisperSTT, CountingWhisper]:
    model = CountingWhisper(userdata["speech"]["tiny.en"])
    return WhisperSTT(model, model_name="tiny.en", language="en"), model


async def test_an_answer_is_heard_in_the_respondents_pause_before_the_flush(userdata):
    """Whisper starts when the VAD hears the respondent pause, not when its longer silence ends the speech; the flush
    then takes that transcript, and the answer is heard once."""
    stt, model = counting_stt(userdata)
    stream = stt.stream()
    for frame in room_frames(espeak_frame(ANSWER, "en-us"), silence_s=0.5):
        stream.push_frame(frame)
    stt.paused()
    assert await asyncio.to_thread(model.began.wait, 30), "nothing was transcribed before the flush"
    stream.flush()
    stream.end_input()

    finals = await finals_of(stream)

    assert len(finals) == 1 and "calendar" in finals[0] and "office" in finals[0], finals
    assert model.calls == 1


async def test_an_answer_that_goes_on_after_a_pause_is_heard_whole(userdata):
    stt, model = counting_stt(userdata)
    stream = stt.stream()
    for frame in room_frames(espeak_frame("We use a shared calendar", "en-us"), silence_s=0.5):
        stream.push_frame(frame)
    stt.paused()
    assert await asyncio.to_thread(model.began.wait, 30)
    stt.went_on()
    for frame in room_frames(espeak_frame("and a whiteboard in the office.", "en-us"), silence_s=0.5):
        stream.push_frame(frame)
    stream.flush()
    stream.end_input()

    finals = await finals_of(stream)

    assert len(finals) == 1 and "calendar" in finals[0] and "office" in finals[0], finals
    assert model.calls == 2  # what was heard in the pause was dropped, the whole answer heard at the flush


async def test_no_answer_is_heard_ahead_while_whisper_is_busy(userdata):
    """Hearing ahead only uses an idle Whisper: while another interview's words are transcribed, the answer waits
    for the flush."""
    stt, model = counting_stt(userdata)
    held, key = stt_module._in_flight, id(model)
    with stt_module._runners_lock:  # another interview's transcription is in flight
        held[key] = held.get(key, 0) + 1
    try:
        stream = stt.stream()
        for frame in room_frames(espeak_frame(ANSWER, "en-us"), silence_s=0.5):
            stream.push_frame(frame)
        stt.paused()
        stream.flush()
        stream.end_input()
        finals = await finals_of(stream)
    finally:
        with stt_module._runners_lock:
            held[key] -= 1

    assert len(finals) == 1 and "calendar" in finals[0], finals
    assert model.calls == 1


class Listener:
    def __init__(self) -> None:
        self.told: list[str] = []

    def paused(self) -> None:
        self.told.append("paused")

    def went_on(self) -> None:
        self.told.append("went on")


async def test_the_vad_tells_whisper_of_each_pause_and_of_speech_after_it():
    """Through the worker's Silero VAD: a pause in mid-answer (espeak-ng's own silence after a phrase, about 0.4 s,
    under this VAD's end of speech) is told, then that the respondent went on, then the pause that ends the answer;
    the session gets the VAD's events unchanged."""
    listener = Listener()
    watch = stt_module.PauseWatch(VAD(min_silence_duration=1.0), listener)
    stream = watch.stream()
    first = room_frames(espeak_frame("We use a shared calendar", "en-us"), silence_s=0.0)
    second = room_frames(espeak_frame("and a whiteboard in the office.", "en-us"), silence_s=0.0)
    quiet = room_frames(rtc.AudioFrame(np.zeros(RATE, np.int16).tobytes(), RATE, 1, RATE), silence_s=0.3)
    for frame in [*first, *second, *quiet]:
        stream.push_frame(frame)
    stream.end_input()

    kinds = [event.type async for event in stream]
    await stream.aclose()

    assert listener.told == ["paused", "went on", "paused"]
    assert kinds.count(VADEventType.START_OF_SPEECH) == 1 and kinds.count(VADEventType.END_OF_SPEECH) == 1
