"""Whisper hears espeak-ng speech: tiny.en for English, base for Russian, the detected language reported."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest
from livekit import rtc

from agent import speech
from agent.speech.stt import WHISPER_RATE, WINDOW_SECONDS, is_backchannel, to_whisper_audio, transcribe

from .conftest import espeak_frame


async def test_english_words_are_recognised_with_tiny_en(userdata):
    stt = speech.build_stt("en", userdata)
    assert stt.model == "whisper-tiny.en"

    event = await stt.recognize(espeak_frame("I work as a software engineer in London.", "en-us"))

    text = event.alternatives[0].text.lower()
    assert {"software", "engineer", "london"} <= set(text.replace(".", " ").replace(",", " ").split())
    assert event.alternatives[0].language == "en"


async def test_russian_words_are_recognised_with_base(userdata):
    stt = speech.build_stt("ru", userdata)
    assert stt.model == "whisper-base"
    frame = espeak_frame("Спасибо. Мне нравится моя работа, потому что она интересная.", "ru", 150)

    event = await stt.recognize(frame)

    # Whisper base hears espeak-ng's robotic Russian only in part (110-150 wpm: three to five of these five stems)
    text = event.alternatives[0].text.lower()
    heard = [stem for stem in ("спасибо", "нравится", "работ", "потому", "интерес") if stem in text]
    assert len(heard) >= 3, text
    assert event.alternatives[0].language == "ru"


async def test_auto_detects_the_language_and_reports_it(userdata):
    stt = speech.build_stt("auto", userdata)

    event = await stt.recognize(espeak_frame("Good morning. I plan my week on Sunday evening.", "en-us"))

    assert event.alternatives[0].language == "en"
    assert "morning" in event.alternatives[0].text.lower()


def test_audio_is_brought_to_mono_16_khz():
    stereo = np.zeros((48000, 2), dtype=np.int16)
    frame = rtc.AudioFrame(stereo.tobytes(), 48000, 2, 48000)

    audio = to_whisper_audio([frame])

    assert audio.dtype == np.float32 and abs(len(audio) - 16000) < 200


async def test_no_audio_is_no_words(userdata):
    stt = speech.build_stt("ru", userdata)

    event = await stt.recognize([rtc.AudioFrame(b"", 48000, 1, 0)])

    assert event.alternatives[0].text == "" and event.alternatives[0].language == "ru"


def test_backchannels_and_noise_are_told_from_answers():
    for text in ("Mm-hm.", "Mhm", "Uh-huh, okay.", "Yeah.", "Hmm...", "Угу.", " ", "..."):
        assert is_backchannel(text), text
    for text in ("Yeah, I plan on Sundays.", "Okay, so first I check my email.", "No.", "Sorry, can you repeat?"):
        assert not is_backchannel(text), text


async def test_a_long_answer_is_heard_whole(userdata):
    stt = speech.build_stt("en", userdata)
    said = "I plan my week on Sunday evening with a paper notebook and a long list of tasks. " * 3
    frame = espeak_frame(said + "Then I go to bed.", "en-us", 120)
    assert frame.samples_per_channel / frame.sample_rate > 19

    event = await stt.recognize(frame)

    words = event.alternatives[0].text.lower()
    assert words.count("notebook") >= 2 and "bed" in words, words


@pytest.mark.parametrize("level", [1e-4, 3e-3, 1e-2])
def test_silence_and_hiss_are_no_words(userdata, level):
    hiss = np.random.default_rng(1).normal(0, level, 3 * WHISPER_RATE).astype(np.float32)

    assert transcribe(userdata["speech"]["tiny.en"], hiss, "en").text == ""


def test_whisper_runs_on_one_thread_of_its_own_per_model(userdata):
    from agent.speech.stt import runner

    tiny, base = userdata["speech"]["tiny.en"], userdata["speech"]["base"]

    def where() -> tuple[int, str]:
        return threading.get_native_id(), threading.current_thread().name

    first, again = runner(tiny).submit(where).result(), runner(tiny).submit(where).result()
    assert first == again, "one thread per model: CTranslate2 runs one transcription at a time"
    assert first[1].startswith("whisper")
    assert runner(base).submit(where).result() != first


class Calls:
    """A Whisper model that says which way each transcription went: Whisper's own 30 s windows or a shorter one."""

    def __init__(self, model) -> None:
        self._model = model
        self.ways: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def transcribe(self, *args, **kwargs):
        self.ways.append("30 s windows")
        return self._model.transcribe(*args, **kwargs)

    def feature_extractor(self, *args, **kwargs):
        self.ways.append("short window")
        return self._model.feature_extractor(*args, **kwargs)


def test_an_english_answer_is_heard_in_a_20_s_window_and_a_longer_one_in_whispers_own(userdata):
    tiny = Calls(userdata["speech"]["tiny.en"])
    short = to_whisper_audio(espeak_frame("I work as a software engineer in London.", "en-us"))
    long = np.concatenate([short, np.zeros(19 * WHISPER_RATE, np.float32), short])

    heard = transcribe(tiny, short, "en").text.lower()
    assert tiny.ways == ["short window"] and WINDOW_SECONDS == 20
    assert {"software", "engineer", "london"} <= set(re.findall(r"\w+", heard)), heard

    assert transcribe(tiny, long, "en").text.lower().count("london") == 2
    assert transcribe(tiny, short, "en", window=30).text
    assert tiny.ways == ["short window", "30 s windows", "30 s windows"]


def test_the_multilingual_model_detects_the_language_in_whispers_own_windows(userdata):
    base = Calls(userdata["speech"]["base"])

    result = transcribe(base, to_whisper_audio(espeak_frame("Good morning, I plan my week.", "en-us")), None)

    assert base.ways == ["30 s windows"] and result.language == "en"


def test_a_sentence_looped_by_greedy_decoding_is_kept_once():
    from agent.speech.stt import _without_repeats

    assert _without_repeats("I plan on Sundays. I plan on Sundays.") == "I plan on Sundays."
    assert _without_repeats("Yes. I plan, yes, I plan! Yes.") == "Yes. I plan, yes, I plan! Yes."
