"""Test doubles for the speech pipeline's ends: a microphone that plays a WAV as 10 ms frames, a speaker that plays
in real time, an STT that answers scripted text for each utterance the VAD cuts, and a TTS that speaks silence.

Only the ends are doubles; Silero VAD, the end-of-turn model and the session in between are the real ones.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
from livekit import rtc
from livekit.agents import AgentSession, APIConnectOptions, stt, tts, utils
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.utils import AudioBuffer
from livekit.agents.voice.io import AudioInput, AudioOutput, AudioOutputCapabilities, TextOutput
from livekit.agents.voice.transcription import TranscriptSynchronizer

RATE = 16000
FRAME = RATE // 100  # 10 ms


def espeak_wav(text: str, path: Path, voice: str = "en") -> Path:
    """Say `text` with espeak-ng, as 16 kHz mono 16-bit PCM."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(path)], check=True)
    return path


def frames_of(path: Path, lead_silence: float = 0.3, tail_silence: float = 1.2) -> list[rtc.AudioFrame]:
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        speech = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    audio = np.concatenate(
        [np.zeros(int(lead_silence * RATE), np.int16), speech, np.zeros(int(tail_silence * RATE), np.int16)]
    )
    audio = np.pad(audio, (0, -len(audio) % FRAME))
    return [rtc.AudioFrame(audio[i : i + FRAME].tobytes(), RATE, 1, FRAME) for i in range(0, len(audio), FRAME)]


class Microphone(AudioInput):
    def __init__(self) -> None:
        super().__init__(label="test-microphone")
        self._ch = utils.aio.Chan[rtc.AudioFrame]()

    async def __anext__(self) -> rtc.AudioFrame:
        return await self._ch.__anext__()

    def say(self, frames: list[rtc.AudioFrame]) -> None:
        for frame in frames:
            self._ch.send_nowait(frame)


class Speaker(AudioOutput):
    """Plays what it is given in real time; clearing the buffer stops it where it is."""

    def __init__(self) -> None:
        super().__init__(label="test-speaker", capabilities=AudioOutputCapabilities(pause=False), sample_rate=None)
        self._started = 0.0
        self._pushed = 0.0
        self._done: asyncio.TimerHandle | None = None

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._pushed:
            self._started = time.monotonic()
            self.on_playback_started(created_at=time.time())
        self._pushed += frame.duration

    def flush(self) -> None:
        super().flush()
        if not self._pushed:
            return
        pushed = self._pushed

        def finished() -> None:
            self._pushed = 0.0
            self._done = None
            self.on_playback_finished(playback_position=pushed, interrupted=False)

        self._done = asyncio.get_running_loop().call_later(
            max(0.0, pushed - (time.monotonic() - self._started)), finished
        )

    def played(self) -> float:
        """Seconds of the current line played so far."""
        return min(self._pushed, time.monotonic() - self._started) if self._pushed else 0.0

    def clear_buffer(self) -> None:
        if not self._pushed:
            return
        if self._done is not None:
            self._done.cancel()
            self._done = None
        played = min(self._pushed, time.monotonic() - self._started)
        self._pushed = 0.0
        self.on_playback_finished(playback_position=played, interrupted=True)


class ScriptedSTT(stt.STT):
    """Answers the next scripted transcript for each utterance, and keeps how long each one was."""

    def __init__(self, transcripts: list[str]) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self.transcripts = list(transcripts)
        self.heard_seconds: list[float] = []

    async def _recognize_impl(
        self, buffer: AudioBuffer, *, language: NotGivenOr[str] = NOT_GIVEN, conn_options: APIConnectOptions
    ) -> stt.SpeechEvent:
        frame = rtc.combine_audio_frames(buffer)
        self.heard_seconds.append(frame.duration)
        text = self.transcripts.pop(0) if self.transcripts else ""
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            alternatives=[stt.SpeechData(language="en", text=text)],
        )


class SilentTTS(tts.TTS):
    """Speaks 15 ms of silence per character, so longer lines take longer to say."""

    def __init__(self) -> None:
        super().__init__(capabilities=tts.TTSCapabilities(streaming=False), sample_rate=24000, num_channels=1)

    def synthesize(self, text: str, *, conn_options: APIConnectOptions | None = None) -> tts.ChunkedStream:
        return _Silence(tts=self, input_text=text, conn_options=conn_options or APIConnectOptions())


class _Silence(tts.ChunkedStream):
    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(), sample_rate=24000, num_channels=1, mime_type="audio/pcm"
        )
        output_emitter.push(b"\x00\x00" * int(24000 * 0.015 * len(self.input_text)))
        output_emitter.flush()


class Captions(TextOutput):
    def __init__(self) -> None:
        super().__init__(label="test-captions", next_in_chain=None)
        self.lines: list[str] = []
        self._text = ""

    async def capture_text(self, text: str) -> None:
        self._text += text

    def flush(self) -> None:
        self.lines.append(self._text)
        self._text = ""


def attach_speaker(session: AgentSession) -> Speaker:
    """The speaker with the captions synchronised to it, as RoomIO wires them in a room: an interrupted line is
    cut where the audio stopped."""
    speaker = Speaker()
    synchronizer = TranscriptSynchronizer(next_in_chain_audio=speaker, next_in_chain_text=Captions())
    session.output.audio = synchronizer.audio_output
    session.output.transcription = synchronizer.text_output
    return speaker


async def eventually(condition: Callable[[], bool], timeout: float = 20.0, what: str = "the condition") -> None:
    """Poll `condition` until it holds, failing at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(0.02)
