"""Spoken answers go through the real Silero VAD and the local end-of-turn model, the agent takes its turns, and
the control plane receives the whole conversation in order.

No LiveKit server: the respondent's microphone is a WAV made with espeak-ng, fed as 10 ms frames; the STT and the
TTS are scripted doubles; the control plane is a real HTTP server on loopback.
"""

from __future__ import annotations

import shutil
from datetime import datetime

import pytest
from livekit.agents import AgentSession
from livekit.plugins import silero

from agent.behaviors.transcript import post_turns_to_control_plane
from agent.control_plane import ControlPlaneClient
from agent.interviewer import Interviewer
from agent.turn_taking import AEC_WARMUP, turn_handling
from tests.agent.conftest import make_config
from tests.agent.fake_control_plane import KEY, FakeControlPlane
from tests.agent.scripted_llm import ScriptedLLM
from tests.agent.speech_doubles import (
    Microphone,
    ScriptedSTT,
    SilentTTS,
    attach_speaker,
    espeak_wav,
    eventually,
    frames_of,
)

pytestmark = pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")), reason="needs espeak-ng, sox")

GREETING = "Hello, thank you for joining. How do you plan your week?"
SECOND = "Thank you. What gets in the way of your plans?"
THIRD = "I see. What would make planning easier for you?"
ANSWER_1 = "I plan my week on Sunday evening, with a paper notebook."
ANSWER_2 = "Meetings that run late get in the way."


async def test_spoken_answers_are_heard_turn_by_turn_and_the_transcript_arrives_complete_and_in_order(tmp_path):
    config = make_config()
    first = frames_of(espeak_wav(ANSWER_1, tmp_path / "answer1.wav"))
    second = frames_of(espeak_wav(ANSWER_2, tmp_path / "answer2.wav"))
    plane = await FakeControlPlane().start()
    client = ControlPlaneClient(plane.url, config.interview_id, KEY, max_backoff=0.05)
    ears = ScriptedSTT([ANSWER_1, ANSWER_2])
    brain = ScriptedLLM([GREETING, SECOND, THIRD])
    session = AgentSession(stt=ears, vad=silero.VAD.load(), tts=SilentTTS(), turn_handling=turn_handling())
    microphone = Microphone()
    session.input.audio = microphone
    attach_speaker(session)
    user_states: list[str] = []
    session.on("user_state_changed", lambda ev: user_states.append(ev.new_state))
    post_turns_to_control_plane(session, client, config.next_seq)

    async def on_end(reason: str) -> None:
        raise AssertionError(f"the interview must not end here ({reason})")

    try:
        await session.start(Interviewer(config, llm_model=brain, on_end=on_end))
        await plane.until(lambda: len(plane.stored) == 1)  # the greeting, once it has been spoken
        microphone.say(first)
        await plane.until(lambda: len(plane.stored) == 3)
        microphone.say(second)
        await plane.until(lambda: len(plane.stored) == 5)
        assert await client.flush(timeout=10)
    finally:
        await session.aclose()
        await client.aclose()
        await plane.stop()

    assert plane.transcript() == [
        ("agent", GREETING),
        ("respondent", ANSWER_1),
        ("agent", SECOND),
        ("respondent", ANSWER_2),
        ("agent", THIRD),
    ]
    # The VAD cut each answer as one utterance, not into pieces and not with the silence around it.
    assert len(ears.heard_seconds) == 2
    assert user_states.count("speaking") == 2
    # Nobody talks over anybody: each turn starts after the previous one ended.
    times = [
        (datetime.fromisoformat(plane.stored[s]["started_at"]), datetime.fromisoformat(plane.stored[s]["ended_at"]))
        for s in sorted(plane.stored)
    ]
    for (_, ended), (started, _) in zip(times, times[1:], strict=False):
        assert started >= ended
    assert all(start <= end for start, end in times)


LONG_LINE = (
    "Thank you. Before the next question, let me explain that there are no right or wrong answers here, that "
    "everything you say stays anonymous, and that you can stop at any moment. What gets in the way of your plans?"
)
INTERJECTION = "Sorry, can I ask something first, please?"


async def test_the_respondent_can_interrupt_and_the_transcript_keeps_only_what_the_agent_said(tmp_path):
    config = make_config()
    answer = frames_of(espeak_wav(ANSWER_1, tmp_path / "answer.wav"))
    interjection = frames_of(espeak_wav(INTERJECTION, tmp_path / "interjection.wav"))
    plane = await FakeControlPlane().start()
    client = ControlPlaneClient(plane.url, config.interview_id, KEY, max_backoff=0.05)
    brain = ScriptedLLM(["Hello! How do you plan your week?", LONG_LINE, "Of course, go ahead."])
    session = AgentSession(
        stt=ScriptedSTT([ANSWER_1, INTERJECTION]),
        vad=silero.VAD.load(),
        tts=SilentTTS(),
        turn_handling=turn_handling(),
        aec_warmup_duration=AEC_WARMUP,
    )
    microphone = Microphone()
    session.input.audio = microphone
    speaker = attach_speaker(session)
    post_turns_to_control_plane(session, client, config.next_seq)

    async def on_end(reason: str) -> None:
        raise AssertionError(f"the interview must not end here ({reason})")

    try:
        await session.start(Interviewer(config, llm_model=brain, on_end=on_end))
        await plane.until(lambda: len(plane.stored) == 1)
        microphone.say(answer)
        await plane.until(lambda: len(plane.stored) == 2)
        await eventually(lambda: speaker.played() > 1.0, what="the long line playing")
        microphone.say(interjection)
        await plane.until(lambda: len(plane.stored) == 5)
        assert await client.flush(timeout=10)
    finally:
        await session.aclose()
        await client.aclose()
        await plane.stop()

    speakers = [speaker for speaker, _ in plane.transcript()]
    assert speakers == ["agent", "respondent", "agent", "respondent", "agent"]
    cut = plane.stored[3]["text"]
    assert cut and len(cut) < len(LONG_LINE) and LONG_LINE.startswith(cut)
    assert plane.transcript()[3:] == [("respondent", INTERJECTION), ("agent", "Of course, go ahead.")]
