"""The agent's words reach the page in step with its voice, at a pace the interview's event loop can afford."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from unittest import mock

import numpy as np
from livekit import rtc
from livekit.agents.voice import io
from livekit.agents.voice.transcription._speaking_rate import SpeakingRateStream
from livekit.agents.voice.transcription.synchronizer import TranscriptSynchronizer

from agent.worker import pace_transcript_cheaply

RATE = 22050
LINE = "Thank you for joining me today. Could you tell me how you usually plan your week at work?"
LINE_SECONDS = 2.0


class _Sink(io.AudioOutput):
    def __init__(self) -> None:
        super().__init__(label="sink", capabilities=io.AudioOutputCapabilities(pause=False), sample_rate=RATE)

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)

    def flush(self) -> None:
        super().flush()

    def clear_buffer(self) -> None:
        pass


class _Page(io.TextOutput):
    """What the respondent's page is sent: each word, and when."""

    def __init__(self) -> None:
        super().__init__(label="page", next_in_chain=None)
        self.words: list[tuple[float, str]] = []
        self.all_sent = asyncio.Event()

    async def capture_text(self, text: str) -> None:
        self.words.append((time.monotonic(), text))
        if len("".join(text for _, text in self.words).split()) >= len(LINE.split()):
            self.all_sent.set()

    def flush(self) -> None:
        pass


async def _say(paced: bool) -> tuple[_Page, int]:
    """One agent line, its audio speech-like noise, as the voice's cache hands it over (all at once); returns what the
    page got and how many spectra the speaking-rate estimate computed."""
    sink, page = _Sink(), _Page()
    synchronizer = TranscriptSynchronizer(next_in_chain_audio=sink, next_in_chain_text=page)
    if paced:
        pace_transcript_cheaply(SimpleNamespace(room_io=SimpleNamespace(_tr_synchronizer=synchronizer)))
    noise = (np.random.default_rng(0).standard_normal(int(RATE * LINE_SECONDS)) * 3000).astype(np.int16)
    with mock.patch.object(SpeakingRateStream, "_stft", autospec=True, side_effect=SpeakingRateStream._stft) as stft:
        try:
            await synchronizer.text_output.capture_text(LINE)
            synchronizer.text_output.flush()
            for start in range(0, len(noise), RATE // 50):
                chunk = noise[start : start + RATE // 50]
                await synchronizer.audio_output.capture_frame(rtc.AudioFrame(chunk.tobytes(), RATE, 1, len(chunk)))
            synchronizer.audio_output.flush()
            sink.on_playback_started(created_at=time.time())
            async with asyncio.timeout(LINE_SECONDS * 3):
                await page.all_sent.wait()
        finally:
            await synchronizer.aclose()
    return page, stft.call_count


async def test_the_agents_words_are_paced_over_its_audio_without_a_spectrum_of_it():
    _, framework_spectra = await _say(paced=False)
    page, spectra = await _say(paced=True)

    assert framework_spectra > 0  # the framework's own estimate analyses the line
    assert spectra == 0
    # the words are spread over the line's audio, not sent at once: the last comes when the voice is near its end
    spread = page.words[-1][0] - page.words[0][0]
    assert LINE_SECONDS * 0.6 <= spread <= LINE_SECONDS * 1.3, spread
    assert "".join(text for _, text in page.words).split() == LINE.split()
