"""The offline voices make real speech: Piper for English, espeak-ng for Russian, of a plausible length."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from agent import speech
from agent.speech.tts import VOICES, sentences

from .conftest import rms

ENGLISH = "Thank you for joining us today. Could you tell me how you plan your week?"
RUSSIAN = "Спасибо, что пришли. Расскажите, пожалуйста, как вы планируете свою неделю?"


async def synthesize(tts, text: str) -> tuple[np.ndarray, int]:
    frame = await tts.synthesize(text).collect()
    return np.frombuffer(frame.data, dtype=np.int16), frame.sample_rate


@pytest.mark.parametrize(("language", "text"), [("en", ENGLISH), ("ru", RUSSIAN)])
async def test_speech_is_real_audio_of_plausible_length(userdata, language, text):
    tts = speech.build_tts(language, "alloy", userdata)

    samples, rate = await synthesize(tts, text)

    seconds = len(samples) / rate
    words = len(text.split())
    # people speak 2-4 words a second; allow a synthetic voice twice that range
    assert words / 6 < seconds < words / 1.2, seconds
    assert rms(samples) > 500, "silence"
    assert rate == tts.sample_rate == 22050


async def test_a_cyrillic_sentence_in_an_english_interview_is_still_spoken(userdata):
    tts = speech.build_tts("en", "nova", userdata)

    samples, rate = await synthesize(tts, "Москва")

    assert 0.3 < len(samples) / rate < 3 and rms(samples) > 500


def test_every_product_voice_is_installed(userdata):
    for name in ("alloy", "ash", "coral", "echo", "nova", "sage", "shimmer"):
        assert speech.build_tts("en", name, userdata).sample_rate == 22050
    assert set(VOICES) == {"alloy", "ash", "coral", "echo", "nova", "sage", "shimmer"}


def test_an_unknown_voice_is_a_clear_error(userdata):
    with pytest.raises(ValueError, match=r"unknown voice 'marvin'.*alloy"):
        speech.build_tts("en", "marvin", userdata)


def test_text_is_spoken_sentence_by_sentence():
    assert sentences("Hello there! How are you?\nFine.  ") == ["Hello there!", "How are you?", "Fine."]


def test_a_sentence_said_before_comes_from_the_cache(userdata):
    piper = userdata["speech"]["piper"]
    sentence = "Thanks for sharing that, it helps a lot."
    hits = piper.cache_hits
    first = piper.synthesize(sentence)
    again = piper.synthesize(sentence)
    assert piper.cache_hits == hits + 1
    assert again is first and len(first) > piper.sample_rate // 2


def test_respondents_joining_together_share_one_synthesis_of_the_greeting(userdata):
    piper = userdata["speech"]["piper"]
    greeting = "Hello, and thank you for joining this conversation about planning today."
    start = threading.Barrier(4)
    runs = piper.runs

    def say() -> np.ndarray:
        start.wait()
        return piper.synthesize(greeting)

    with ThreadPoolExecutor(4) as pool:
        heard = list(pool.map(lambda _: say(), range(4)))

    assert piper.runs == runs + 1
    assert all(audio is heard[0] for audio in heard) and len(heard[0]) > piper.sample_rate


async def test_the_greeting_begins_from_the_cache_once_the_worker_has_warmed_up(userdata):
    from agent.conductor import fixed_openings

    speech.prewarm(userdata, openings=fixed_openings("en"))
    piper = userdata["speech"]["piper"]
    runs = piper.runs
    tts = speech.build_tts("en", "alloy", userdata)

    async with tts.synthesize("Hello, and thank you for joining. We have 5 minutes, so let's begin.") as stream:
        audio = [event.frame async for event in stream]

    assert piper.runs == runs + 1  # the second sentence only: it holds the interview's length
    assert sum(frame.samples_per_channel for frame in audio) > piper.sample_rate


async def test_every_acknowledgement_and_guide_question_is_said_from_the_cache_once_made_ahead(userdata):
    from agent.conductor import fixed_words, phrases

    tts = speech.build_tts("en", "alloy", userdata)
    piper = userdata["speech"]["piper"]
    question = "What did your team draw on the kitchen whiteboard last spring?"
    probe = "Who wiped the whiteboard clean afterwards?"

    making = tts.say_ahead([*fixed_words("en"), question, probe])
    making.join(timeout=300)
    assert not making.is_alive()
    runs = piper.runs
    for variant in phrases()["next"]["en"]:
        async with tts.synthesize(variant.replace("{question}", question)) as stream:
            assert [event.frame async for event in stream]
    async with tts.synthesize(probe) as stream:
        assert [event.frame async for event in stream]

    assert piper.runs == runs, "a sentence made ahead was made again"
    assert tts.say_ahead([question, "Thank you."]) is None, "nothing left to make, no thread"


def test_only_what_the_piper_voice_reads_is_made_ahead(userdata):
    piper = userdata["speech"]["piper"]
    english_link, russian_link = speech.build_tts("en", "alloy", userdata), speech.build_tts("ru", "nova", userdata)

    # Cyrillic is read by espeak-ng, and the words after a phrase's last full stop are not a sentence of their own
    assert russian_link.say_ahead(["Как вы планируете свою неделю?"]) is None
    assert english_link.say_ahead(["We will talk about"]) is None
    made = english_link.say_ahead(["Как вы планируете? How do you plan a long weekend away?"])
    made.join(timeout=60)
    assert piper.has("How do you plan a long weekend away?")
    assert not piper.has("Как вы планируете?")


def test_an_interview_never_waits_for_a_sentence_being_made_ahead():
    """A sentence made ahead runs at the host's lowest priority; the interview that needs it now makes it itself."""

    from agent.speech import models
    from agent.speech.piper import PiperVoice

    started, go_on = threading.Event(), threading.Event()

    class _HeldBack(PiperVoice):
        """The made-ahead run is held back, as on a saturated host, until the test lets it go on."""

        def _synthesize(self, sentence: str, speed: float):
            if threading.current_thread().name == "ahead":
                started.set()
                go_on.wait(60)
            return super()._synthesize(sentence, speed)

    voice = _HeldBack(*models.piper_voice())
    sentence = "How did you plan the week before last?"
    ahead = threading.Thread(target=voice.synthesize, args=(sentence,), kwargs={"ahead": True}, name="ahead")
    ahead.start()
    assert started.wait(60)
    try:
        with ThreadPoolExecutor(2) as interviews:
            first, second = interviews.submit(voice.synthesize, sentence), interviews.submit(voice.synthesize, sentence)
            now = first.result(timeout=60)
            assert len(second.result(timeout=60)) == len(now) > voice.sample_rate // 2
        assert voice.runs == 1, "the two interviews made it once between them"
    finally:
        go_on.set()
        ahead.join(60)
    assert voice.runs == 2
    voice.synthesize(sentence)
    assert voice.runs == 2, "kept in the cache"
