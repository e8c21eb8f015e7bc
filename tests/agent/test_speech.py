"""The offline speech models hear English and Russian and speak real audio, with nothing downloaded."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from livekit import rtc

from agent import speech
from tests.conftest import TEST_TMP


@pytest.fixture(scope="module")
def models() -> dict:
    userdata: dict = {}
    speech.prewarm(userdata)
    return userdata


def espeak(text: str, voice: str) -> rtc.AudioFrame:
    path = TEST_TMP / f"espeak-{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
    import wave

    with wave.open(str(path)) as w:
        data = w.readframes(w.getnframes())
        return rtc.AudioFrame(data, w.getframerate(), 1, len(data) // 2)


async def synthesize(tts, text: str) -> rtc.AudioFrame:
    return rtc.combine_audio_frames([event.frame async for event in tts.synthesize(text)])


def rms(frame: rtc.AudioFrame) -> float:
    return float(np.sqrt(np.mean(np.frombuffer(frame.data, dtype=np.int16).astype(np.float64) ** 2)))


async def test_english_speech_is_recognised(models):
    stt = speech.build_stt("en", models)
    event = await stt.recognize([espeak("I plan my week on Monday morning with a paper calendar.", "en-us")])
    text = event.alternatives[0].text.lower()
    assert "week" in text and "monday" in text and "calendar" in text


async def test_russian_speech_is_recognised_as_russian(models):
    stt = speech.build_stt("ru", models)
    event = await stt.recognize([espeak("Привет. Спасибо большое.", "ru")])
    assert event.alternatives[0].language == "ru"
    assert any("а" <= c <= "я" for c in event.alternatives[0].text.lower())


async def test_the_english_voice_speaks_real_audio_of_plausible_length(models):
    text = "Hello, and thank you for taking the time to talk with me. How do you plan your week?"
    frame = await synthesize(speech.build_tts("en", "alloy", models), text)
    assert 3.0 < frame.duration < 9.0  # 16 words at a speaking pace
    assert rms(frame) > 500  # not silence
    heard = await speech.build_stt("en", models).recognize([frame])
    assert "plan your week" in heard.alternatives[0].text.lower()


async def test_the_russian_voice_speaks_real_audio(models):
    frame = await synthesize(speech.build_tts("ru", "nova", models), "Здравствуйте! Как вы планируете свою неделю?")
    assert 1.5 < frame.duration < 8.0
    assert rms(frame) > 500


def test_an_unknown_voice_is_a_clear_error(models):
    with pytest.raises(ValueError, match="unknown voice 'robot'"):
        speech.build_tts("en", "robot", models)


def test_every_product_voice_has_an_offline_voice():
    from control_plane.settings import DEFAULT_VOICES

    assert set(DEFAULT_VOICES) == set(speech.VOICES)
