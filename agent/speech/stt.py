"""Whisper speech-to-text through faster-whisper (CTranslate2, int8 on CPU), as a livekit-agents STT.

Whisper hears a whole utterance at a time. The session drives it as a streaming STT with `manual_flush`: the stream
keeps the respondent's audio and transcribes it when the session flushes, which it does once its own VAD and the
end-of-turn model say the turn may be over. No second VAD runs for the STT (the framework's `StreamAdapter` would
run one per interview on every frame, doubling the VAD's cost), and the transcript starts as soon as the turn is
judged over instead of after a VAD silence of its own. Decoding is greedy (`beam_size=1`) at temperature 0 only:
the temperature fallback costs up to 6x on a hard utterance and buys little for an interview answer. An English
answer is heard in a 20 s window instead of Whisper's 30 s (`WINDOW_SECONDS`): half the encoder's work, and as many
words heard wrong over answers recorded through Chromium.

The words are heard ahead of the flush. The session's VAD reports the end of speech after 0.3 s of silence; the
worker's `PauseWatch` tells the STT when the respondent has been silent for `HEAR_AHEAD_SECONDS` (0.12 s) of that,
and the stream then starts transcribing what it holds, if the worker's Whisper is idle. When the flush comes with the
respondent silent since, that transcript is the turn's; if they went on, it is dropped and the whole answer is heard
at the flush. A reply then waits for Whisper minus most of the VAD's silence, not for both.

While the agent speaks, a transcript that is only a backchannel ("mm-hm", "uh-huh", "okay") or nothing but noise is
dropped when the session says so (`ignore_backchannel`): the agent then resumes its sentence instead of taking "mm-hm"
for an answer.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_ctranslate2_storage, get_suppressed_tokens
from livekit import rtc
from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, stt, vad
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.utils import AudioBuffer, is_given

from agent.speech import models

log = logging.getLogger("agent.speech.stt")
WHISPER_RATE = 16000
# Greedy decoding at temperature 0 can loop on unclear audio ("баси баси баси ..."): cap each window at a
# generous speaking rate so a loop ends in a fraction of a second instead of filling the window's 448 tokens.
TOKENS_PER_SECOND = 12
# An English answer is heard in a 20 s window instead of Whisper's 30 s: half the time, and over 86 answers recorded
# through Chromium as many words wrong (`bench.chromium_clips`, `bench.whisper_window`; docs/offline.md).
WINDOW_SECONDS = 20
# faster-whisper's rule for a window that holds no speech
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0
# The stream keeps at most this much audio between two flushes; quiet audio before the speech is dropped as it comes.
MAX_BUFFER_SECONDS = 300
PRE_ROLL_SECONDS = 0.5
QUIET_RMS = 60 / 32768  # ≈ -55 dBFS: quieter than any speech a microphone sends
# Seconds of the VAD's silence after speech before the words are heard ahead of the flush: longer than most of
# Silero's silences inside a sentence, and well short of the 0.3 s that end the speech.
HEAR_AHEAD_SECONDS = 0.12
_BACKCHANNEL = re.compile(
    r"^(?:(?:m+-?h?m+|mhm|uh-?huh|uh|um|hmm+|ah|oh|okay|ok|yeah|yes|yep|right|sure|i see|ага|угу|да|ну|так)\W*)+$",
    re.I,
)


def is_backchannel(text: str) -> bool:
    """A listener's acknowledgement ("Mm-hm.", "Uh-huh, okay.") or nothing but punctuation: not an answer."""
    stripped = text.strip()
    return not re.sub(r"\W+", "", stripped) or bool(_BACKCHANNEL.match(stripped))


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    language_probability: float
    confidence: float
    duration: float


def load_whisper(name: str) -> WhisperModel:
    """`name` is "tiny.en" or "base"; both come from installed packages. At most two threads per transcription
    (faster-whisper's default is four, more than a small host has), one transcription at a time per model."""
    path = models.whisper_tiny_en() if name == "tiny.en" else models.whisper_base()
    threads = max(1, min(2, os.cpu_count() or 1))
    return WhisperModel(str(path), device="cpu", compute_type="int8", local_files_only=True, cpu_threads=threads)


_runners: dict[int, ThreadPoolExecutor] = {}
_runners_lock = threading.Lock()
# transcriptions submitted to each model's runner and not yet done, by id(model): hearing ahead waits for none
_in_flight: dict[int, int] = {}


def runner(model: WhisperModel) -> ThreadPoolExecutor:
    """The one thread that runs `model`. CTranslate2 runs one transcription of a model at a time anyway, and each
    thread that calls it keeps a pool of compute threads of its own: one caller, one pool, warmed up once.

    Not at a lower priority: measured in the room bench (docs/benchmarks.md), niceness 5 let the VAD keep up at four
    interviews but made every transcript wait for whatever else ran on the host."""
    with _runners_lock:
        if id(model) not in _runners:
            _runners[id(model)] = ThreadPoolExecutor(1, thread_name_prefix="whisper")
        return _runners[id(model)]


async def transcribe_on_runner(model: WhisperModel, audio: np.ndarray, language: str | None) -> Transcript:
    key = id(model)
    with _runners_lock:  # interviews run on threads of their own
        _in_flight[key] = _in_flight.get(key, 0) + 1
    try:
        return await asyncio.get_running_loop().run_in_executor(runner(model), transcribe, model, audio, language)
    finally:
        with _runners_lock:
            _in_flight[key] -= 1


def runner_idle(model: WhisperModel) -> bool:
    """No transcription of `model` is running or waiting, for any interview."""
    return not _in_flight.get(id(model))


def transcribe(
    model: WhisperModel, audio: np.ndarray, language: str | None, window: int = WINDOW_SECONDS
) -> Transcript:
    """Blocking: `audio` is mono float32 at 16 kHz; `language` None detects it. An English-only model hears an
    utterance of up to `window` - 1 s in a window of `window` s; a multilingual model (which detects the language
    over Whisper's own 30 s), any longer utterance, and any `window` of 30 s or more, in Whisper's own 30 s windows."""
    if len(audio) < WHISPER_RATE // 10 or _loudest(audio) <= QUIET_RMS:  # under 0.1 s, or no sound: nothing said
        return Transcript("", language or "en", 0.0, 0.0, len(audio) / WHISPER_RATE)
    if window < 30 and not model.model.is_multilingual and len(audio) <= (window - 1) * WHISPER_RATE:
        return in_window(model, audio, window)
    segments, info = model.transcribe(
        audio,
        language=language,
        beam_size=1,
        temperature=0.0,
        vad_filter=False,
        condition_on_previous_text=False,
        without_timestamps=True,
        max_new_tokens=_max_new_tokens(len(audio)),
    )
    segments = list(segments)
    text = " ".join(segment.text.strip() for segment in segments).strip()
    confidence = float(np.exp(np.mean([s.avg_logprob for s in segments]))) if segments else 0.0
    return Transcript(text, info.language, info.language_probability, confidence, info.duration)


def in_window(model: WhisperModel, audio: np.ndarray, seconds: int) -> Transcript:
    """One English utterance in a window of `seconds`, with at least a second of silence after it: the decoding
    `model.transcribe` does (greedy, no timestamps, the same suppressed tokens, a window skipped as no speech by the
    same rule) on that part of the encoder's input. The encoder's cost follows the window's length."""
    window = np.zeros(seconds * WHISPER_RATE, dtype=np.float32)
    window[: len(audio)] = audio
    # The padding is digital silence, as in Whisper's own windows (the log-mel floor follows the speech's peak).
    features = model.feature_extractor(window)[:, : seconds * 100]
    encoded = model.model.encode(get_ctranslate2_storage(np.ascontiguousarray(features[None])))
    tokenizer, prompt, suppressed = _english_decoding(model)
    result = model.model.generate(
        encoded,
        [prompt],
        beam_size=1,
        max_length=len(prompt) + _max_new_tokens(len(audio)),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=suppressed,
    )[0]
    tokens = result.sequences_ids[0]
    avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
    duration = len(audio) / WHISPER_RATE
    if result.no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < LOG_PROB_THRESHOLD:
        return Transcript("", "en", 1.0, 0.0, duration)
    text = _without_repeats(tokenizer.decode(tokens).strip())
    return Transcript(text, "en", 1.0, float(np.exp(avg_logprob)), duration)


@functools.cache
def _english_decoding(model: WhisperModel) -> tuple[Tokenizer, list[int], list[int]]:
    """The tokenizer, the prompt and the suppressed tokens of `model`'s English transcription: made once per model."""
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
    return tokenizer, [*tokenizer.sot_sequence, tokenizer.no_timestamps], list(get_suppressed_tokens(tokenizer, [-1]))


def _without_repeats(text: str) -> str:
    """A sentence said twice in a row, once: greedy decoding in a short window may loop on the whole utterance."""
    kept: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if not kept or _words(sentence) != _words(kept[-1]):
            kept.append(sentence)
    return " ".join(kept)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _loudest(audio: np.ndarray) -> float:
    """The RMS of the loudest 20 ms of `audio` (Whisper says "you" to near-digital silence)."""
    levels = levels_20ms(audio)
    return float(levels.max()) if len(levels) else 0.0


def levels_20ms(audio: np.ndarray) -> np.ndarray:
    """The RMS of each whole 20 ms of `audio` (float32 at 16 kHz)."""
    frame = WHISPER_RATE // 50
    frames = audio[: len(audio) // frame * frame].reshape(-1, frame)
    return np.sqrt((frames * frames).mean(axis=1))


def _max_new_tokens(samples: int) -> int:
    return min(440, 16 + int(TOKENS_PER_SECOND * min(samples / WHISPER_RATE, 30.0)))


def to_whisper_audio(buffer: AudioBuffer) -> np.ndarray:
    """Any LiveKit audio (one frame or many, any rate, any channels) as mono float32 at 16 kHz."""
    frame = rtc.combine_audio_frames(buffer) if isinstance(buffer, list) else buffer
    if frame.samples_per_channel == 0:
        return np.zeros(0, dtype=np.float32)
    if frame.num_channels > 1:
        pcm = np.frombuffer(frame.data, dtype=np.int16).reshape(-1, frame.num_channels)
        mono = pcm.mean(axis=1).astype(np.int16)
        frame = rtc.AudioFrame(mono.tobytes(), frame.sample_rate, 1, len(mono))
    if frame.sample_rate != WHISPER_RATE:
        resampler = rtc.AudioResampler(frame.sample_rate, WHISPER_RATE, num_channels=1)
        frames = [*resampler.push(frame), *resampler.flush()]
        pcm = b"".join(bytes(f.data) for f in frames)
    else:
        pcm = bytes(frame.data)
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


class WhisperSTT(stt.STT):
    """One Whisper model and the language to hear: "en", "ru", or "auto" to detect it per utterance."""

    def __init__(
        self,
        model: WhisperModel,
        *,
        model_name: str,
        language: str = "auto",
        ignore_backchannel: Callable[[], bool] | None = None,
        on_transcribed: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=True, interim_results=False, manual_flush=True))
        self._whisper = model
        self._model_name = model_name
        self._language = language
        # set by the worker: True while the agent holds the floor, so a lone "mm-hm" is not an answer
        self.ignore_backchannel = ignore_backchannel or (lambda: False)
        # set by the worker: seconds from a flush to its transcript, for the latency metrics
        self.on_transcribed = on_transcribed
        self._streams: weakref.WeakSet[_WhisperStream] = weakref.WeakSet()

    def wanted_language(self, language: NotGivenOr[str] = NOT_GIVEN) -> str | None:
        wanted = language if is_given(language) and language else self._language
        if self._model_name.endswith(".en"):
            wanted = "en"
        return None if wanted == "auto" else wanted

    def stream(
        self, *, language: NotGivenOr[str] = NOT_GIVEN, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> stt.RecognizeStream:
        stream = _WhisperStream(stt=self, language=self.wanted_language(language), conn_options=conn_options)
        self._streams.add(stream)
        return stream

    def transcribe_now(self) -> None:
        """Transcribe what each open stream holds now, without waiting for the session's flush. The worker calls it
        when the session's VAD hears the respondent stop: the session flushes then too, but not when an earlier part of
        the answer ended mid-sentence ("I write the important things on …"); then it waits half its `max_delay`
        before it asks for the rest, and the reply with it."""
        for stream in list(self._streams):
            try:
                stream.flush()
            except RuntimeError:  # closed, or its input ended
                self._streams.discard(stream)

    def paused(self) -> None:
        """The respondent has been silent for a moment: hear what each open stream holds, ahead of the flush."""
        self._tell(_WhisperStream.Paused())

    def went_on(self) -> None:
        """The respondent spoke again before the end of speech: what was heard ahead is short of the answer."""
        self._tell(_WhisperStream.WentOn())

    def _tell(self, signal: object) -> None:
        for stream in list(self._streams):
            if stream.closed:
                self._streams.discard(stream)
            else:
                stream.signal(signal)

    def transcript_event(self, result: Transcript) -> stt.SpeechEvent:
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            request_id=uuid.uuid4().hex,
            alternatives=[
                stt.SpeechData(
                    language=result.language,
                    text=result.text,
                    end_time=result.duration,
                    confidence=result.confidence,
                    metadata={"language_probability": result.language_probability},
                )
            ],
        )

    @property
    def model(self) -> str:
        return f"whisper-{self._model_name}"

    @property
    def provider(self) -> str:
        return "faster-whisper"

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        audio = to_whisper_audio(buffer)
        result = await transcribe_on_runner(self._whisper, audio, self.wanted_language(language))
        return self.transcript_event(result)


class _WhisperStream(stt.RecognizeStream):
    """Keeps the audio since the last flush (quiet lead-in trimmed) and transcribes it on each flush, or takes the
    transcript heard ahead in the respondent's pause."""

    class Paused:
        pass

    class WentOn:
        pass

    def __init__(self, *, stt: WhisperSTT, language: str | None, conn_options: APIConnectOptions) -> None:
        super().__init__(stt=stt, conn_options=conn_options, sample_rate=WHISPER_RATE)
        self._whisper_stt = stt
        self._wanted = language
        # for each flush, whether the agent held the floor as it came: on a busy worker a "mm-hm" said over the
        # agent can be transcribed after its line is over, and is still no answer
        self._floor_at_flush: deque[bool] = deque()

    @property
    def closed(self) -> bool:
        return self._input_ch.closed

    def signal(self, signal: Paused | WentOn) -> None:
        """In line with the audio: a pause applies to the frames pushed before it."""
        self._input_ch.send_nowait(signal)  # type: ignore[arg-type]

    def flush(self) -> None:
        self._floor_at_flush.append(self._whisper_stt.ignore_backchannel())
        try:
            super().flush()
        except BaseException:
            self._floor_at_flush.pop()
            raise

    async def _run(self) -> None:
        chunks: list[np.ndarray] = []  # float32 mono at 16 kHz
        samples = 0
        heard = False  # anything louder than QUIET_RMS since the last flush
        ahead: asyncio.Future[Transcript] | None = None  # the words up to the respondent's pause
        whisper = self._whisper_stt._whisper
        limit = MAX_BUFFER_SECONDS * WHISPER_RATE
        try:
            async for item in self._input_ch:
                if isinstance(item, self._FlushSentinel):
                    over_the_agent = self._floor_at_flush.popleft() if self._floor_at_flush else False
                    if ahead is not None:
                        await self._hand_over(ahead, over_the_agent)
                    elif heard and samples:
                        await self._transcribe(np.concatenate(chunks), over_the_agent)
                    chunks, samples, heard, ahead = [], 0, False, None
                    continue
                if isinstance(item, _WhisperStream.Paused):
                    if heard and ahead is None and runner_idle(whisper):
                        ahead = asyncio.ensure_future(
                            transcribe_on_runner(whisper, np.concatenate(chunks), self._wanted)
                        )
                    continue
                if isinstance(item, _WhisperStream.WentOn):
                    if ahead is not None:
                        _forget(ahead)
                        ahead = None
                    continue
                pcm = np.frombuffer(item.data, dtype=np.int16)
                if item.num_channels > 1:
                    pcm = pcm.reshape(-1, item.num_channels).mean(axis=1)
                chunk = pcm.astype(np.float32) / 32768.0
                loud = bool(len(chunk)) and float(np.sqrt(np.mean(chunk * chunk))) > QUIET_RMS
                chunks.append(chunk)
                samples += len(chunk)
                heard = heard or loud
                if not heard:  # only a short pre-roll of quiet audio is kept before speech
                    while chunks and samples - len(chunks[0]) >= PRE_ROLL_SECONDS * WHISPER_RATE:
                        samples -= len(chunks.pop(0))
                while samples > limit and len(chunks) > 1:
                    samples -= len(chunks.pop(0))
        finally:
            if ahead is not None:  # the stream closed in the respondent's pause
                _forget(ahead)

    async def _transcribe(self, audio: np.ndarray, over_the_agent: bool) -> None:
        started = time.monotonic()
        result = await transcribe_on_runner(self._whisper_stt._whisper, audio, self._wanted)
        self._deliver(result, time.monotonic() - started, over_the_agent)

    async def _hand_over(self, ahead: asyncio.Future[Transcript], over_the_agent: bool) -> None:
        """The flush came with the respondent silent since the pause the transcript was started in: it is the turn's."""
        started = time.monotonic()
        result = await ahead
        self._deliver(result, time.monotonic() - started, over_the_agent)

    def _deliver(self, result: Transcript, took: float, over_the_agent: bool) -> None:
        log.debug("transcribed %.1f s of audio, %.2f s after the flush", result.duration, took)
        if self._whisper_stt.on_transcribed is not None:
            self._whisper_stt.on_transcribed(took)
        if not result.text or (over_the_agent and is_backchannel(result.text)):
            return
        self._event_ch.send_nowait(self._whisper_stt.transcript_event(result))


def _forget(ahead: asyncio.Future[Transcript]) -> None:
    """A transcript heard ahead and no longer wanted: Whisper cannot be stopped midway, so it runs out unread."""
    ahead.add_done_callback(lambda done: done.cancelled() or done.exception())


class PauseWatch(vad.VAD):
    """The worker's shared VAD as one interview's session sees it, telling that interview's Whisper when the
    respondent pauses (`WhisperSTT.paused`) and when they go on (`went_on`). The events pass through unchanged.

    The VAD's metrics stay with the shared VAD (every interview's session would otherwise get every interview's)."""

    def __init__(self, shared: vad.VAD, listener: WhisperSTT, after: float = HEAR_AHEAD_SECONDS) -> None:
        super().__init__(capabilities=shared.capabilities)
        self._shared = shared
        self._listener = listener
        self._after = after

    @property
    def model(self) -> str:
        return self._shared.model

    @property
    def provider(self) -> str:
        return self._shared.provider

    @property
    def min_silence_duration(self) -> float | None:
        return getattr(self._shared, "min_silence_duration", None)

    def stream(self) -> vad.VADStream:
        return _PauseWatchStream(self._shared.stream(), self._listener, self._after)  # type: ignore[return-value]


class _PauseWatchStream:
    """A `VADStream` in all the session uses of one: frames in, events out."""

    def __init__(self, inner: vad.VADStream, listener: WhisperSTT, after: float) -> None:
        self._inner = inner
        self._listener = listener
        self._after = after
        self._told = False  # the listener was told of the current pause

    def push_frame(self, frame: rtc.AudioFrame) -> None:
        self._inner.push_frame(frame)

    def flush(self) -> None:
        self._inner.flush()

    def end_input(self) -> None:
        self._inner.end_input()

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __aiter__(self) -> _PauseWatchStream:
        return self

    async def __anext__(self) -> vad.VADEvent:
        event = await self._inner.__anext__()
        if event.type == vad.VADEventType.INFERENCE_DONE and event.speaking:
            if event.raw_accumulated_silence >= self._after and not self._told:
                self._told = True
                self._listener.paused()
            elif event.raw_accumulated_silence == 0 and self._told:
                self._told = False
                self._listener.went_on()
        elif event.type in (vad.VADEventType.START_OF_SPEECH, vad.VADEventType.END_OF_SPEECH):
            self._told = False
        return event
