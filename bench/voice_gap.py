"""Voice-to-voice gap of the offline pipeline: from the end of the respondent's speech to the agent's first audio.

    .venv/bin/python -m bench.voice_gap [--answers 4] [--rounds 3]

The whole offline stack the worker runs (Silero VAD, the local end-of-turn model, Whisper, the guide-driven
conductor, the Piper voice) in one AgentSession, with no LiveKit server: espeak-ng answers are played into it in real
time, 10 ms a frame, with silence in between, and the agent's audio is caught as it comes out. The gap includes the
endpointing delay chosen in `agent.turn_taking`, which is deliberate (interviewees pause to think). Prints the median
and the spread over every answer of every round.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from livekit import rtc
from livekit.agents import AgentSession
from livekit.agents.voice.io import AudioInput
from livekit.plugins import silero

from agent import speech
from agent.conductor import ConductorLLM
from agent.interviewer import Interviewer
from agent.turn_taking import turn_handling
from tests.agent.conftest import make_config
from tests.agent.speech_doubles import FRAME, RATE, attach_speaker, espeak_wav, frames_of

ANSWERS = [
    "I plan my week on Sunday evening with a paper notebook and a long list of tasks.",
    "Meetings that run late and urgent requests from my manager get in the way.",
    "A shared calendar that the whole team actually keeps up to date would help a lot.",
    "No, I think that covers everything, thank you.",
]


class LiveMicrophone(AudioInput):
    """Real-time microphone: 10 ms a frame, silence unless an answer is being said."""

    def __init__(self) -> None:
        super().__init__(label="bench-microphone")
        self._queue: list[rtc.AudioFrame] = []
        self._silence = rtc.AudioFrame(np.zeros(FRAME, np.int16).tobytes(), RATE, 1, FRAME)
        self._next = time.monotonic()
        self.speech_ended_at = 0.0
        self._speech_frames = 0

    def say(self, frames: list[rtc.AudioFrame], speech_frames: int) -> None:
        self._queue.extend(frames)
        self._speech_frames = speech_frames

    async def __anext__(self) -> rtc.AudioFrame:
        self._next += FRAME / RATE
        await asyncio.sleep(max(0.0, self._next - time.monotonic()))
        if not self._queue:
            return self._silence
        frame = self._queue.pop(0)
        self._speech_frames -= 1
        if self._speech_frames == 0:
            self.speech_ended_at = time.monotonic()
        return frame


async def one_round(answers: list[list[rtc.AudioFrame]], speech_lengths: list[int], userdata: dict) -> list[float]:
    config = make_config(minutes_left=30)
    session = AgentSession(
        stt=speech.build_stt("en", userdata),
        tts=speech.build_tts("en", "alloy", userdata),
        vad=userdata["vad"],
        turn_handling=turn_handling(),
    )
    microphone = LiveMicrophone()
    session.input.audio = microphone
    speaker = attach_speaker(session)
    first_audio: list[float] = []
    original = speaker.capture_frame

    async def capture(frame: rtc.AudioFrame) -> None:
        if not speaker._pushed:
            first_audio.append(time.monotonic())
        await original(frame)

    speaker.capture_frame = capture

    async def ended(_: str) -> None:
        return None

    parts: dict[str, list[float]] = {"end of turn": [], "transcript": [], "first token": [], "first audio byte": []}

    @session.on("metrics_collected")
    def _metrics(event) -> None:
        m = event.metrics
        if m.type == "eou_metrics":
            parts["end of turn"].append(m.end_of_utterance_delay)
            parts["transcript"].append(m.transcription_delay)
        elif m.type == "llm_metrics":
            parts["first token"].append(m.ttft)
        elif m.type == "tts_metrics":
            parts["first audio byte"].append(m.ttfb)

    gaps = []
    await session.start(Interviewer(config, llm_model=ConductorLLM(config), on_end=ended))
    try:
        for frames, speech_frames in zip(answers, speech_lengths, strict=True):
            await until(lambda: session.agent_state == "listening" and not speaker._pushed, 60)
            microphone.speech_ended_at = 0.0
            microphone.say(frames, speech_frames)
            await until(lambda: first_audio and first_audio[-1] > microphone.speech_ended_at > 0, 60)
            gaps.append(first_audio[-1] - microphone.speech_ended_at)
    finally:
        await session.aclose()
    return gaps, parts


async def until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the pipeline did not answer in time")
        await asyncio.sleep(0.01)


async def main_async(n_answers: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="voice-gap-"))
    answers, lengths = [], []
    for i, text in enumerate(ANSWERS[:n_answers]):
        frames = frames_of(espeak_wav(text, folder / f"answer{i}.wav"), lead_silence=0.2, tail_silence=0.0)
        answers.append(frames)
        lengths.append(len(frames))
    userdata: dict = {"vad": silero.VAD.load()}
    speech.prewarm(userdata)
    rows: dict[str, list[float]] = {"voice-to-voice gap": []}
    for _ in range(rounds):
        gaps, parts = await one_round(answers, lengths, userdata)
        rows["voice-to-voice gap"] += gaps
        for name, values in parts.items():
            rows.setdefault(name, []).extend(v for v in values if v >= 0)
    print(f"\noffline pipeline, {len(rows['voice-to-voice gap'])} answers in {rounds} round(s), seconds")
    print(f"{'':<22}{'median':>10}{'min':>10}{'max':>10}")
    for name, values in rows.items():
        if values:
            print(f"{name:<22}{statistics.median(values):>10.2f}{min(values):>10.2f}{max(values):>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main_async(min(args.answers, len(ANSWERS)), args.rounds))


if __name__ == "__main__":
    main()
