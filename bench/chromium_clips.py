"""Record what reaches a worker through Chromium: answers said into a respondent's page, as LiveKit delivers them.

    .venv/bin/python -m bench.chromium_clips [--out DIR]

A respondent's audio reaches Whisper after Chromium's capture (echo cancellation, noise suppression and automatic
gain, as the respondent page asks for them), Opus and the LiveKit server; Whisper hears that audio a little
differently from the clean renders `bench.whisper_window` uses. This starts a LiveKit server and the control plane
(no worker), opens two respondent pages in headless Chromium whose fake microphones say every sentence below, one in
espeak-ng and one in the Piper voice, records each page's track from the room as a hidden participant at Whisper's
16 kHz, and cuts it into one WAV per sentence with its words in a `.txt` of the same name:

    .venv/bin/python -m bench.whisper_window --clips DIR

then tells what each Whisper window does to them. About five minutes: the pages speak in real time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from livekit import api, rtc

from agent.speech import stt
from agent.speech.models import cache_dir
from bench.room_path import BARGE_IN, GREETING_BARGE_IN, PAUSED, PLAIN, RATE, Voices, speech_bounds
from bench.whisper_window import E2E
from scripts.stack import Stack, api_call

# What respondents say besides the room bench's answers: short replies, questions back, refusals, names and numbers.
OTHERS = [
    "No.",
    "Yes, definitely.",
    "Not really, no.",
    "I don't know.",
    "I'm not sure what you mean.",
    "Could you repeat the question, please?",
    "What do you mean by tools?",
    "Sorry, what was the question again?",
    "I'd rather not talk about that.",
    "I have to go in five minutes.",
    "Can we stop here? I'm done.",
    "I already answered that.",
    "Hello? Can you hear me?",
    "That's a good question, let me think.",
    "Honestly, I don't really plan anything.",
    "It depends on the week, to be honest.",
    "Lidl, mostly, and sometimes Aldi.",
    "About three or four times a week.",
    "I spend around twenty minutes on it every morning.",
    "We use Trello at work and Google Calendar at home.",
    "My daughter has football on Tuesdays and piano on Thursdays.",
    "The bus was late again, so everything moved by an hour.",
    "In 2019 I started using a bullet journal.",
    "My phone reminds me of everything.",
    "Mostly on weekends, when the kids are asleep.",
]
SENTENCES = [*PLAIN, *(f"{a} {b}" for a, b in PAUSED), GREETING_BARGE_IN, BARGE_IN, *E2E, *OTHERS]
LEAD_IN = 15.0  # seconds of silence before the first sentence: the recorder joins the room meanwhile
GAP = 2.0  # seconds of silence between sentences
MERGE = 1.0  # silences shorter than this are inside a sentence
SECRET = "bench-chromium-clips"


def microphone(voices: Voices, voice: str, folder: Path) -> tuple[Path, float]:
    """The fake microphone's WAV (48 kHz mono): the lead-in, then each sentence and a gap; and its length in s."""
    parts = [np.zeros(int(LEAD_IN * RATE), np.int16)]
    for text in SENTENCES:
        samples = voices.render(text, voice)
        start, end = speech_bounds(samples)
        parts += [samples[int(start * RATE) : int(end * RATE)], np.zeros(int(GAP * RATE), np.int16)]
    samples = np.concatenate(parts)
    path = folder / f"microphone-{voice}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    return path, len(samples) / RATE


def utterances(audio: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) samples of each stretch of sound in `audio` (16 kHz float32), silences under MERGE s inside."""
    levels = stt.levels_20ms(audio)
    loud = np.flatnonzero(levels > max(stt.QUIET_RMS * 4, float(np.percentile(levels, 99)) * 0.05))
    frame = stt.WHISPER_RATE // 50
    found: list[list[int]] = []
    for i in loud:
        if found and i - found[-1][1] <= MERGE * 50:
            found[-1][1] = i
        else:
            found.append([i, i])
    return [(a * frame, (b + 1) * frame) for a, b in found]


def write_clips(audio: np.ndarray, voice: str, out: Path) -> int:
    spans = utterances(audio)
    if len(spans) != len(SENTENCES):
        raise SystemExit(f"{voice}: found {len(spans)} utterances in the recording, expected {len(SENTENCES)}")
    margin = stt.WHISPER_RATE // 5
    for n, ((first, end), text) in enumerate(zip(spans, SENTENCES, strict=True)):
        clip = audio[max(0, first - margin) : end + margin]
        path = out / f"{voice}-{n:02d}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(stt.WHISPER_RATE)
            w.writeframes((clip * 32767).clip(-32768, 32767).astype(np.int16).tobytes())
        path.with_suffix(".txt").write_text(text + "\n")
    return len(spans)


async def record(stack: Stack, rooms: dict[str, str], seconds: float) -> dict[str, np.ndarray]:
    """Each room's respondent track at 16 kHz, from a hidden participant, for `seconds` after it is subscribed."""
    heard: dict[str, list[np.ndarray]] = {voice: [] for voice in rooms}

    async def listen(voice: str, room_name: str) -> None:
        token = (
            api.AccessToken(stack.api_key, stack.api_secret)
            .with_identity(f"recorder-{voice}")
            .with_grants(api.VideoGrants(room_join=True, room=room_name, hidden=True, can_publish=False))
            .to_jwt()
        )
        room = rtc.Room()
        subscribed: asyncio.Future[rtc.Track] = asyncio.get_running_loop().create_future()

        @room.on("track_subscribed")
        def _on(track: rtc.Track, *_: object) -> None:
            if track.kind == rtc.TrackKind.KIND_AUDIO and not subscribed.done():
                subscribed.set_result(track)

        await room.connect(stack.livekit_url, token)
        try:
            track = await asyncio.wait_for(subscribed, 30)
            stream = rtc.AudioStream(track, sample_rate=stt.WHISPER_RATE, num_channels=1)
            deadline = time.monotonic() + seconds
            async for event in stream:
                heard[voice].append(np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float32) / 32768)
                if time.monotonic() > deadline:
                    break
            await stream.aclose()
        finally:
            await room.disconnect()

    await asyncio.gather(*(listen(voice, name) for voice, name in rooms.items()))
    return {voice: np.concatenate(chunks) for voice, chunks in heard.items()}


async def main_async(out: Path) -> None:
    from playwright.async_api import async_playwright

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS

    voices = Voices(cache_dir() / "bench-room-path")
    workdir = Path(tempfile.mkdtemp(prefix="chromium-clips-"))
    print(f"Rendering {len(SENTENCES)} sentences in espeak-ng and the Piper voice …", flush=True)
    mics = {voice: microphone(voices, voice, workdir) for voice in ("espeak", "piper")}
    seconds = max(length for _, length in mics.values())
    stack = Stack(workdir, extra_env={"OPENAI_API_KEY": "", "DISPATCH_AGENTS": "false", "SECRET_KEY": SECRET})
    try:
        print("Starting LiveKit server and the control plane …", flush=True)
        stack.start_livekit()
        stack.start_control_plane()
        base = stack.control_plane_url
        key = api_call(base, "POST", "/api/auth/signup", {"email": "clips@example.com", "password": "clips pass"})[
            "api_key"
        ]
        project = api_call(base, "POST", "/api/projects", {"name": "Chromium clips"}, key)["id"]
        api_call(
            base,
            "PUT",
            f"/api/projects/{project}/context",
            {"research_goals": "Learn how people plan their week.", "interview_guide": "1. How do you plan?"},
            key,
        )
        body = {
            "count": 2,
            "duration_minutes": 30,
            "expires_in_days": 1,
            "voice": "alloy",
            "language": "en",
            "topics": [],
        }
        links = api_call(base, "POST", f"/api/projects/{project}/links", body, key)["links"]
        async with (
            async_playwright() as p,
            api.LiveKitAPI(stack.livekit_url.replace("ws://", "http://"), stack.api_key, stack.api_secret) as lk,
        ):
            browsers, rooms = [], {}
            for (voice, (wav, _)), link in zip(mics.items(), links, strict=True):
                browser = await p.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        *CHROMIUM_ARGS,
                        "--use-fake-ui-for-media-stream",
                        f"--use-file-for-fake-audio-capture={wav}%noloop",
                    ],
                )
                browsers.append(browser)
                page = await (await browser.new_context(base_url=base, locale="en-US")).new_page()
                before = {r.name for r in (await lk.room.list_rooms(api.ListRoomsRequest())).rooms}
                await page.goto(link["url"])
                await page.locator("#consent").check()
                await page.locator("#email").fill(f"{voice}@example.com")
                await page.locator("#start-button").click()
                await page.locator("#view-call").wait_for(state="visible", timeout=30_000)
                for _ in range(100):
                    new = {r.name for r in (await lk.room.list_rooms(api.ListRoomsRequest())).rooms} - before
                    if new:
                        rooms[voice] = new.pop()
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise SystemExit(f"{voice}: the page joined no room")
            print(f"Recording {seconds:.0f} s of speech from each page …", flush=True)
            heard = await record(stack, rooms, seconds)
            for browser in browsers:
                await browser.close()
    finally:
        stack.stop_all()
    out.mkdir(parents=True, exist_ok=True)
    for voice, audio in heard.items():
        print(f"{voice}: {write_clips(audio, voice, out)} clips in {out}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=cache_dir() / "chromium-clips", help="where the clips go")
    args = parser.parse_args()
    asyncio.run(main_async(args.out))


if __name__ == "__main__":
    sys.exit(main())
