"""At the time limit a respondent still talking is heard out, and what they said reaches the record before the
goodbye, through the real Silero VAD (the voice path, where words only exist once the speech is committed).

The session is the worker's own composition (`agent.session.compose`) with the offline conductor; the microphone is
a WAV made with espeak-ng fed as frames, the STT and TTS are scripted doubles, the control plane a real HTTP server on
loopback, and the interview's clock simulated.
"""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from livekit.plugins import silero

from agent.conductor import ConductorLLM
from agent.control_plane import ControlPlaneClient
from agent.session import compose, new_interview_progress
from agent.turn_taking import turn_handling
from tests.agent.conftest import make_config
from tests.agent.fake_control_plane import KEY, FakeControlPlane
from tests.agent.harness import SIM_START
from tests.agent.sim_clock import SimClock
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

LAST_WORDS = "And the last thing I wanted to say is that on Fridays I tidy up the whole week."


async def test_an_answer_still_going_at_the_limit_is_kept_before_the_goodbye(tmp_path):
    config = make_config(duration_minutes=1, now=SIM_START)
    speech = frames_of(espeak_wav(LAST_WORDS, tmp_path / "last.wav"), tail_silence=0)  # they do not stop talking
    plane = await FakeControlPlane().start()
    client = ControlPlaneClient(plane.url, config.interview_id, KEY, max_backoff=0.05)
    clock = SimClock(config.started_at)
    progress = new_interview_progress(config)
    ears = ScriptedSTT([LAST_WORDS])
    interview = compose(
        config,
        client=client,
        brain=ConductorLLM(config, clock, progress),
        clock=clock,
        progress=progress,
        quiet_seconds=20,
        stt=ears,
        vad=silero.VAD.load(),
        tts=SilentTTS(),
        turn_handling=turn_handling(),
    )
    session = interview.session
    microphone = Microphone()
    session.input.audio = microphone
    attach_speaker(session)
    try:
        await interview.start()
        await plane.until(lambda: len(plane.stored) == 1)  # the greeting, once spoken
        microphone.say(speech)
        await eventually(lambda: session.user_state == "speaking", what="the respondent speaking")
        await clock.advance((config.ends_at - clock.now()).total_seconds() - 5)  # the limit comes while they talk
        assert not plane.completed and session.user_state == "speaking"  # heard out, not talked over
        await clock.advance(15)  # past the overtime: their words so far are kept, then the goodbye
        await plane.until(lambda: plane.completed == ["timer"], timeout=30)
        assert await client.flush(timeout=10)
    finally:
        await interview.aclose()
        await session.aclose()
        await client.aclose()
        await plane.stop()

    transcript = plane.transcript()
    assert ("respondent", LAST_WORDS) in transcript
    goodbye = [i for i, (speaker, text) in enumerate(transcript) if speaker == "agent" and "Goodbye" in text]
    assert len(goodbye) == 1 and transcript.index(("respondent", LAST_WORDS)) < goodbye[0]
    assert config.ends_at - timedelta(seconds=10) < clock.now()
