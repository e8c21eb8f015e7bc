"""Offline text-to-speech as a livekit-agents TTS: the Piper voice for English, espeak-ng for Russian and fallback.

Text is spoken sentence by sentence, each pushed as soon as it is made, so the first audio comes after the first
sentence, not after the whole reply. The script of each sentence picks the engine: a Cyrillic sentence is Russian
whatever the link's language says, so a Russian name in an English interview is still read.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from livekit import rtc
from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, APIError, tts

from agent.speech import espeak

if TYPE_CHECKING:  # onnxruntime is needed to speak English, not to know the voices
    from agent.speech.piper import PiperVoice

log = logging.getLogger("agent.speech.tts")
SAMPLE_RATE = 22050  # the Piper voice's rate and espeak-ng's own
SENTENCE_PAUSE_S = 0.15
PIPER_LANGUAGES = {"en", "ru", "auto"}  # links in these languages read Latin-script sentences with the Piper voice


@dataclass(frozen=True)
class Voice:
    piper: str  # the installed Piper voice that reads English
    espeak_variant: str  # the espeak-ng variant ("m3", "f3", ...) that reads Russian and other languages


# The product's voice names, mapped to what is installed. Only one Piper voice (joe, male, US English) ships, so
# English sounds the same for every name; espeak-ng's variants at least keep the names' male/female character.
VOICES: dict[str, Voice] = {
    "alloy": Voice(piper="en_US-joe-medium", espeak_variant="m4"),
    "ash": Voice(piper="en_US-joe-medium", espeak_variant="m3"),
    "coral": Voice(piper="en_US-joe-medium", espeak_variant="f2"),
    "echo": Voice(piper="en_US-joe-medium", espeak_variant="m2"),
    "nova": Voice(piper="en_US-joe-medium", espeak_variant="f3"),
    "sage": Voice(piper="en_US-joe-medium", espeak_variant="f5"),
    "shimmer": Voice(piper="en_US-joe-medium", espeak_variant="f4"),
}

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")


def voice(name: str) -> Voice:
    """The installed voice for a product voice name; ValueError names the choices."""
    try:
        return VOICES[name]
    except KeyError:
        raise ValueError(f"unknown voice {name!r}: choose one of {', '.join(sorted(VOICES))}") from None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def whole_sentences(text: str) -> list[str]:
    """The sentences of `text` that end in it: the last one is left out when `text` stops mid-sentence (a phrase's
    fixed words before its first placeholder)."""
    said = sentences(text)
    return said if text.rstrip().endswith((".", "!", "?", "…")) else said[:-1]


def reads_with_piper(sentence: str, language: str) -> bool:
    """Whether a link in `language` reads `sentence` with the Piper voice (Latin script) rather than espeak-ng."""
    return not _is_cyrillic(sentence) and language in PIPER_LANGUAGES


def _is_cyrillic(sentence: str) -> bool:
    """More Cyrillic letters than Latin ones: read in Russian, whatever the link's language."""
    return len(_CYRILLIC.findall(sentence)) > len(_LATIN.findall(sentence))


def say_ahead(piper: PiperVoice, texts: Iterable[str], language: str = "en") -> threading.Thread | None:
    """Make the whole sentences of `texts` that the Piper voice reads into its cache, in a background thread at the
    host's lowest CPU priority: the words every respondent will hear (acknowledgements, the guide's questions) are
    then ready when the agent says them, and making them takes no CPU from an interview that needs it."""
    wanted = (s for text in texts for s in whole_sentences(text) if reads_with_piper(s, language))
    todo = [s for s in dict.fromkeys(wanted) if not piper.has(s)]
    if not todo:
        return None
    thread = threading.Thread(target=_make_ahead, args=(piper, todo), name="say-ahead", daemon=True)
    thread.start()
    return thread


def _make_ahead(piper: PiperVoice, todo: list[str]) -> None:
    try:  # Linux: a thread's nice value is its own (the espeak-ng runs it starts inherit it)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass
    made = 0
    for sentence in todo:
        try:
            before = piper.runs
            piper.synthesize(sentence, ahead=True)
            made += piper.runs - before
        except Exception:  # a sentence that fails here fails again, in words, when it is said
            log.warning("could not make %r ahead", sentence[:40], exc_info=True)
    log.debug("made %d of %d sentences ahead", made, len(todo))


class LocalTTS(tts.TTS):
    """Speaks `language` ("en", "ru", "auto", or another espeak-ng language) in the product voice `voice_name`."""

    def __init__(self, piper: PiperVoice | None, *, language: str, voice_name: str) -> None:
        super().__init__(capabilities=tts.TTSCapabilities(streaming=False), sample_rate=SAMPLE_RATE, num_channels=1)
        self._voice = voice(voice_name)
        self._piper = piper
        self._language = language
        if piper is not None and piper.sample_rate != SAMPLE_RATE:
            raise ValueError(f"the Piper voice speaks at {piper.sample_rate} Hz, expected {SAMPLE_RATE} Hz")

    @property
    def model(self) -> str:
        return f"piper-{self._voice.piper}+espeak-ng" if self._piper else "espeak-ng"

    @property
    def provider(self) -> str:
        return "local"

    def say_ahead(self, texts: Iterable[str]) -> threading.Thread | None:
        """Make ahead, in the background, the sentences of `texts` this interview will say in the Piper voice."""
        return say_ahead(self._piper, texts, self._language) if self._piper is not None else None

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _LocalChunkedStream(tts=self, input_text=text, conn_options=conn_options)

    def speak_sentence(self, sentence: str) -> np.ndarray:
        """Blocking: one sentence as int16 samples at SAMPLE_RATE."""
        if self._piper is not None and reads_with_piper(sentence, self._language):
            return self._piper.synthesize(sentence)
        if _is_cyrillic(sentence):
            language = "ru"
        else:
            language = "en" if self._language in PIPER_LANGUAGES else self._language
        samples, rate = espeak.speak(sentence, f"{language}+{self._voice.espeak_variant}")
        return samples if rate == SAMPLE_RATE else _resample(samples, rate)


class _LocalChunkedStream(tts.ChunkedStream):
    def __init__(self, *, tts: LocalTTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._local: LocalTTS = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=uuid.uuid4().hex, sample_rate=SAMPLE_RATE, num_channels=1, mime_type="audio/pcm"
        )
        pause = np.zeros(int(SAMPLE_RATE * SENTENCE_PAUSE_S), dtype=np.int16).tobytes()
        spoken = False
        for sentence in sentences(self.input_text):
            try:
                samples = await asyncio.to_thread(self._local.speak_sentence, sentence)
            except (subprocess.CalledProcessError, espeak.EspeakMissing, ValueError) as exc:
                raise APIError(f"offline TTS failed on {sentence[:40]!r}: {exc}", retryable=False) from exc
            if not len(samples):
                continue
            if spoken:
                output_emitter.push(pause)
            output_emitter.push(samples.tobytes())
            spoken = True
        output_emitter.flush()


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    resampler = rtc.AudioResampler(rate, SAMPLE_RATE, num_channels=1)
    frame = rtc.AudioFrame(samples.tobytes(), rate, 1, len(samples))
    return np.frombuffer(b"".join(bytes(f.data) for f in [*resampler.push(frame), *resampler.flush()]), np.int16)
