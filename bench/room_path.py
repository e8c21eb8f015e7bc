"""The interview as respondents live it: simulated respondents in LiveKit rooms, talking with one offline worker.

    .venv/bin/python -m bench.room_path [--sizes 1,2,4,6] [--answers 8] [--think 0.6 | 0.4-2.5] [--keep]

Starts the real stack (`scripts.stack.Stack`: livekit-server, the control plane, one agent worker with the offline
providers), creates links through the researcher API, and for each N in `--sizes` lets N respondents join at once
through `/api/interview/<token>/join`. Each is a LiveKit participant (the `livekit` rtc package) that publishes a
microphone track in real time and listens to the agent's track. They speak recorded answers, rendered once with the
offline voices (espeak-ng and the Piper voice) and kept in the cache folder:

- a barge-in during the greeting, then answers in turn: plain, with a pause in mid-sentence, a "mm-hm" or a cough
  while the agent speaks (which must not stop it), and a barge-in while the agent asks its next question.

Measured, all on the respondent's side of the room:
- voice to voice: the end of the respondent's speech (trailing silence trimmed) to the first agent audio received;
- barge-in stop: the respondent's speech starts → the agent's audio stops (the last audible frame before 0.6 s of
  silence);
- cut-offs: the agent starts talking before a pause answer is finished; missed turns: no agent audio 15 s after an
  answer; backchannels that stopped the agent for more than 0.6 s;
- greeting: join request → the greeting's first audio, every respondent joining at the same moment;
- the worker's CPU (all its processes) per minute of interview, and its memory: PSS of all its processes with the
  N interviews running, minus the idle worker's, per interview.

Respondents wait `--think` seconds after the agent's question before answering: 0.6 s each by default, so N
respondents answer nearly in step and their answers reach the worker's one Whisper together, the worst case for a
shared worker. A range (`--think 0.4-2.5`) gives each answer its own wait in it, the same in every run (each
respondent's waits come from a generator seeded with its number), as independent people would.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import hashlib
import json
import logging
import random
import re
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
from livekit import rtc

from scripts.stack import Stack, api_call

RATE = 48000
FRAME_MS = 20
FRAME = RATE * FRAME_MS // 1000
AUDIBLE_RMS = 300  # int16 RMS of a 20 ms frame (≈ -40 dBFS): the agent is making sound
STOP_GAP = 0.6  # seconds of silence after which the agent's audio counts as stopped
ONSET_GAP = 0.3  # seconds of silence before audio that counts as the agent starting to speak
LINE_END_GAP = 1.2  # seconds of silence (and the agent listening) after which its line is over
ANSWER_TIMEOUT = 15.0
THINK = (0.6, 0.6)  # the respondent's own pause before answering: fixed, or a range (`--think`)
SECRET = "bench-room-path"

GUIDE = "\n".join(
    f"{i}. {q}"
    for i, q in enumerate(
        [
            "How do you usually plan your week?",
            "What tools do you use for planning?",
            "What gets in the way of your plans?",
            "How do you decide what comes first?",
            "Who else is involved in your planning?",
            "What happens when a plan falls apart?",
            "How has the way you plan changed over the years?",
            "What would make planning easier for you?",
            "What do you like most about the way you plan?",
            "What would you change first, if you could?",
            "How do you know that a week went well?",
            "Is there a habit of yours that helps you keep your plans?",
        ],
        start=1,
    )
)

PLAIN = [
    "I plan my week on Sunday evening with a paper notebook and a long list of tasks.",
    "My colleagues plan with a big whiteboard in the office kitchen.",
    "Meetings that run late and urgent requests from my manager get in the way.",
    "A shared calendar that the whole team actually keeps up to date would help a lot.",
    "I usually start with the things that have a deadline this week.",
    "My partner and I look at the family calendar together every Sunday.",
    "I move the unfinished tasks to the next day and try again.",
    "I used to plan in my head, but now I write everything down.",
]
# Answers with a pause in mid-sentence: the first part stops where no sentence ends.
PAUSED = [
    ("I write the important things on", "sticky notes next to my screen."),
    ("Usually I check my email first, and then", "I decide what to do with the rest of the day."),
    ("When something urgent comes in,", "I drop the least important task of the day."),
    ("The hardest part is", "saying no to people who ask for my time."),
    ("I keep a list of", "everything I have to do this week."),
    ("My manager and I", "look at the plan together on Monday."),
]
PAUSE_SECONDS = 1.2
GREETING_BARGE_IN = "Sorry, can you hear me well?"
BARGE_IN = "Wait, I think I already answered that one, let me say something else."
BACKCHANNEL = "Mm-hm."

# What each respondent does after the greeting, in order; voices alternate between espeak-ng and Piper.
SCRIPT = ["plain", "pause", "backchannel", "barge", "plain", "pause", "cough", "plain", "pause", "barge"]


# ---- recorded speech ------------------------------------------------------------------------------------------------


@dataclass
class Clip:
    kind: str
    text: str
    samples: np.ndarray  # int16, RATE, mono
    speech_start: float  # seconds into the clip
    speech_end: float  # trailing silence trimmed
    pause: tuple[float, float] | None = None  # the mid-sentence pause, for paused answers


def speech_bounds(samples: np.ndarray) -> tuple[float, float]:
    frames = samples[: len(samples) // FRAME * FRAME].reshape(-1, FRAME).astype(np.float32)
    loud = np.flatnonzero(np.sqrt((frames**2).mean(axis=1)) > 100)  # ≈ -50 dBFS
    if not len(loud):
        return 0.0, 0.0
    return loud[0] * FRAME / RATE, (loud[-1] + 1) * FRAME / RATE


def resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return samples
    resampler = rtc.AudioResampler(rate, RATE, num_channels=1)
    frame = rtc.AudioFrame(samples.astype(np.int16).tobytes(), rate, 1, len(samples))
    out = [*resampler.push(frame), *resampler.flush()]
    return np.frombuffer(b"".join(bytes(f.data) for f in out), dtype=np.int16)


class Voices:
    """espeak-ng and the Piper voice, rendering each text once into the cache folder."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)
        self._piper = None

    def render(self, text: str, voice: str) -> np.ndarray:
        key = hashlib.sha256(f"{voice}:{text}".encode()).hexdigest()[:16]
        path = self.cache / f"{key}.wav"
        if not path.exists():
            samples, rate = self._synthesize(text, voice)
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(resample(samples, rate).tobytes())
        with wave.open(str(path)) as w:
            return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)

    def _synthesize(self, text: str, voice: str) -> tuple[np.ndarray, int]:
        if voice == "cough":  # a short burst of shaped noise: loud, not speech
            rng = np.random.default_rng(7)
            n = int(0.25 * RATE)
            envelope = np.exp(-np.linspace(0, 6, n))
            return (rng.normal(0, 9000, n) * envelope).clip(-32767, 32767).astype(np.int16), RATE
        if voice == "piper":
            if self._piper is None:
                from agent.speech import models
                from agent.speech.piper import PiperVoice

                self._piper = PiperVoice(*models.piper_voice())
            return self._piper.synthesize(text), self._piper.sample_rate
        from agent.speech.espeak import parse_wav

        wav = subprocess.run(
            ["espeak-ng", "-v", "en-us", "-s", "160", "--stdout"], input=text.encode(), capture_output=True, check=True
        ).stdout
        return parse_wav(wav)

    def clip(self, kind: str, text: str, voice: str, pause_after: str | None = None) -> Clip:
        samples = self.render(text, voice)
        start, end = speech_bounds(samples)
        pause = None
        if pause_after is not None:
            first = samples[: int(end * RATE)]
            second = self.render(pause_after, voice)
            s2, e2 = speech_bounds(second)
            second = second[int(s2 * RATE) :]
            gap = np.zeros(int(PAUSE_SECONDS * RATE), np.int16)
            samples = np.concatenate([first, gap, second])
            pause = (end, end + PAUSE_SECONDS)
            end = end + PAUSE_SECONDS + (e2 - s2)
        samples = np.concatenate([samples, np.zeros(int(0.3 * RATE), np.int16)])
        samples = np.pad(samples, (0, -len(samples) % FRAME))
        return Clip(kind, text if pause_after is None else f"{text} … {pause_after}", samples, start, end, pause)


def script_clips(voices: Voices, index: int, answers: int) -> list[Clip]:
    """Respondent `index`'s clips: the greeting barge-in, then `answers` turns of SCRIPT."""
    clips = [voices.clip("greeting_barge", GREETING_BARGE_IN, "espeak")]
    plain, paused = index, index
    for turn in range(answers):
        kind = SCRIPT[turn % len(SCRIPT)]
        voice = "piper" if (turn + index) % 2 else "espeak"
        if kind == "pause":
            first, second = PAUSED[paused % len(PAUSED)]
            paused += 1
            clips.append(voices.clip("pause", first, voice, pause_after=second))
            continue
        if kind == "backchannel":
            clips.append(voices.clip("backchannel", BACKCHANNEL, "espeak"))
        elif kind == "cough":
            clips.append(voices.clip("cough", "cough", "cough"))
        elif kind == "barge":
            clips.append(voices.clip("barge", BARGE_IN, voice))
            continue
        clips.append(voices.clip("plain", PLAIN[plain % len(PLAIN)], voice))
        plain += 1
    return clips


# ---- one respondent -------------------------------------------------------------------------------------------------


@dataclass
class Result:
    greeting_delay: float | None = None
    voice_to_voice: list[float] = field(default_factory=list)
    barge_stop: list[float] = field(default_factory=list)
    greeting_stop: list[float] = field(default_factory=list)
    barge_not_stopped: int = 0
    barge_late: int = 0
    pause_answers: int = 0
    cut_offs: int = 0
    talked_over: int = 0
    answers: int = 0
    missed: int = 0
    backchannels: int = 0
    backchannel_pauses: int = 0  # the agent paused over STOP_GAP and went on with its line
    backchannel_stops: int = 0  # the agent dropped its line
    backchannel_answers: int = 0  # a backchannel stored as the respondent's turn
    minutes: float = 0.0
    error: str = ""


class Respondent:
    def __init__(
        self, index: int, link: dict, clips: list[Clip], base: str, think: tuple[float, float] = THINK
    ) -> None:
        self.think = think
        self.thinking = random.Random(index)  # the same waits for respondent `index` in every run
        self.index = index
        self.link = link
        self.token = link["url"].rsplit("/", 1)[1]
        self.clips = clips
        self.base = base
        self.email = f"bench-{link['id'][:8]}@example.com"
        self.room = rtc.Room()
        self.source = rtc.AudioSource(RATE, 1, queue_size_ms=100)
        self.audible: list[float] = []  # receive times of the agent's audible frames
        self._playing: tuple[np.ndarray, float] | None = None  # samples, and when the first was sent
        self._play_pos = 0
        self._played = asyncio.Event()
        self._agent: rtc.RemoteParticipant | None = None
        self._started: asyncio.Future[float] | None = None
        self.last_onset: float | None = None  # the agent's first audio after the last answer
        self.result = Result()

    # the microphone: real time, silence unless a clip is playing
    async def _microphone(self) -> None:
        silence = np.zeros(FRAME, np.int16)
        start = time.monotonic()
        n = 0
        while True:
            n += 1
            await asyncio.sleep(max(0.0, start + n * FRAME / RATE - time.monotonic()))
            chunk = silence
            if self._playing is not None:
                samples, _ = self._playing
                if self._play_pos == 0 and self._started is not None and not self._started.done():
                    self._started.set_result(time.monotonic())
                chunk = samples[self._play_pos : self._play_pos + FRAME]
                self._play_pos += FRAME
                if self._play_pos >= len(samples):
                    self._playing = None
                    self._played.set()
            await self.source.capture_frame(rtc.AudioFrame(chunk.tobytes(), RATE, 1, FRAME))

    async def say(self, clip: Clip) -> float:
        """Start playing `clip`; answer the moment its first sample goes out (after this call's frame)."""
        self._played.clear()
        self._play_pos = 0
        self._started = asyncio.get_running_loop().create_future()
        self._playing = (clip.samples, 0.0)
        return await self._started

    async def _listen(self, track: rtc.Track) -> None:
        stream = rtc.AudioStream(track, sample_rate=RATE, num_channels=1, frame_size_ms=FRAME_MS)
        async for event in stream:
            pcm = np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float32)
            if len(pcm) and np.sqrt((pcm**2).mean()) > AUDIBLE_RMS:
                self.audible.append(time.monotonic())

    # reading the agent's audio
    def onset_after(self, t: float) -> float | None:
        """The first time after `t` the agent starts to make sound after ONSET_GAP of silence."""
        i = bisect.bisect_right(self.audible, t)
        previous = self.audible[i - 1] if i else None
        for a in self.audible[i:]:
            if previous is None or a - previous >= ONSET_GAP:
                return a
            previous = a
        return None

    def audible_between(self, start: float, end: float) -> bool:
        i = bisect.bisect_left(self.audible, start)
        return i < len(self.audible) and self.audible[i] <= end

    def stopped_after(self, t: float, now: float) -> float | None:
        """When the agent's audio stopped after `t`: its last audible frame before STOP_GAP of silence."""
        i = bisect.bisect_left(self.audible, t)
        last = self.audible[i - 1] if i else None
        for a in self.audible[i:]:
            if last is not None and a - last >= STOP_GAP:
                return last
            last = a
        if last is not None and now - last >= STOP_GAP:
            return last
        return None

    def silent_since(self) -> float:
        return time.monotonic() - (self.audible[-1] if self.audible else 0.0)

    def agent_state(self) -> str:
        return (self._agent.attributes or {}).get("lk.agent.state", "") if self._agent else ""

    async def wait(self, condition, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def line_over(self, timeout: float = 40.0) -> bool:
        return await self.wait(
            lambda: self.audible and self.silent_since() >= LINE_END_GAP and self.agent_state() != "speaking", timeout
        )

    async def run(self, began: float) -> Result:
        r = self.result
        loop = asyncio.get_running_loop()

        @self.room.on("track_subscribed")
        def _track(track: rtc.Track, _pub, participant: rtc.RemoteParticipant) -> None:
            if track.kind == rtc.TrackKind.KIND_AUDIO:
                self._agent = participant
                loop.create_task(self._listen(track))

        joined = await asyncio.to_thread(
            api_call, self.base, "POST", f"/api/interview/{self.token}/join", {"email": self.email}
        )
        await self.room.connect(joined["livekit_url"], joined["token"])
        track = rtc.LocalAudioTrack.create_audio_track("microphone", self.source)
        await self.room.local_participant.publish_track(
            track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        )
        mic = loop.create_task(self._microphone())
        try:
            if not await self.wait(lambda: self.audible, 60):
                view = await asyncio.to_thread(api_call, self.base, "GET", f"/api/interview/{self.token}")
                busy = view.get("interviewer") == "busy"
                r.error = "told no interviewer is free" if busy else "no greeting within 60 s"
                return r
            r.greeting_delay = self.audible[0] - began
            clips = iter(self.clips)
            greeting = next(clips)
            # barge into the greeting, 1 to 3 s after it starts
            await asyncio.sleep(max(0.0, self.audible[0] + 1.0 + (self.index % 5) * 0.5 - time.monotonic()))
            await self._answer(greeting, over_agent=True)
            for clip in clips:
                if clip.kind in ("backchannel", "cough", "barge"):
                    await self._over_the_agent(clip)
                    continue
                if not await self.line_over():
                    r.error = "the agent's line never ended"
                    break
                await asyncio.sleep(self.thinking.uniform(*self.think))
                await self._answer(clip)
            await self.line_over()
            return r
        finally:
            r.minutes = (time.monotonic() - began) / 60
            mic.cancel()
            r.backchannel_answers = await asyncio.to_thread(self.backchannels_stored)
            await asyncio.to_thread(
                api_call, self.base, "POST", f"/api/interview/{self.token}/leave", {"email": self.email}
            )
            await self.room.disconnect()

    def backchannels_stored(self) -> int:
        """How many of the respondent's stored turns are only a backchannel ("Mm-hm.")."""
        try:
            from agent.speech.stt import is_backchannel
        except ImportError:  # a worker from before the backchannel filter: the same test, here

            def is_backchannel(text: str) -> bool:
                return bool(re.match(r"^\W*(m+-?h?m+|mhm|uh-?huh|hmm+|okay|yeah)\W*$", text.strip(), re.I))

        from control_plane.livekit import agent_key
        from control_plane.settings import Settings

        key = agent_key(Settings(secret_key=SECRET), self.link["id"])
        try:
            turns = api_call(self.base, "GET", f"/api/agent/interviews/{self.link['id']}", key=key)["turns"]
        except OSError:
            return 0
        return sum(t["speaker"] == "respondent" and is_backchannel(t["text"]) for t in turns)

    async def _answer(self, clip: Clip, over_agent: bool = False) -> None:
        r = self.result
        started = await self.say(clip)
        speech_start = started + clip.speech_start
        speech_end = started + clip.speech_end
        since = speech_start
        if over_agent and not self.audible_between(speech_start - 0.5, speech_start):
            r.barge_late += 1  # the agent had already finished its line: an ordinary answer
            over_agent = False
        if over_agent:
            stopped = await self._measure_stop(speech_start, clip.kind == "greeting_barge")
            since = stopped if stopped is not None else speech_end
        await self._played.wait()
        r.answers += 1
        if clip.pause is not None:
            r.pause_answers += 1
        self.last_onset = None
        early = self.onset_after(since)
        if early is not None and early < speech_end:  # the agent spoke before the respondent had finished
            if clip.pause is not None:
                r.cut_offs += 1
            else:
                r.talked_over += 1
            self.last_onset = early
            return
        if not await self.wait(lambda: self.onset_after(speech_end) is not None, ANSWER_TIMEOUT):
            r.missed += 1
            return
        self.last_onset = self.onset_after(speech_end)
        r.voice_to_voice.append(self.last_onset - speech_end)

    async def _measure_stop(self, speech_start: float, greeting: bool) -> float | None:
        await self.wait(lambda: self.stopped_after(speech_start, time.monotonic()) is not None, 30)
        stopped = self.stopped_after(speech_start, time.monotonic())
        if stopped is None:
            self.result.barge_not_stopped += 1
            return None
        stop = max(0.0, stopped + FRAME_MS / 1000 - speech_start)
        (self.result.greeting_stop if greeting else self.result.barge_stop).append(stop)
        return stopped

    async def _over_the_agent(self, clip: Clip) -> None:
        """Speak `clip` 1.5 s into the agent's reply to the last answer."""
        r = self.result
        if self.last_onset is None:  # that reply never came
            return
        await asyncio.sleep(max(0.0, self.last_onset + 1.5 - time.monotonic()))
        if clip.kind == "barge":
            await self._answer(clip, over_agent=True)
            return
        started = await self.say(clip)
        if not self.audible_between(started - 0.5, started + clip.speech_start):
            await self._played.wait()
            return  # the agent had already finished: nothing to measure
        r.backchannels += 1
        await self._played.wait()
        await asyncio.sleep(STOP_GAP + 0.3)
        stopped = self.stopped_after(started + clip.speech_start, time.monotonic())
        if stopped is not None and stopped < started + clip.speech_end + 1.5:
            # went on with its line within 3 s (a new reply would follow a committed "turn" later than that)
            await self.wait(lambda: self.onset_after(stopped) is not None, 3.0)
            back = self.onset_after(stopped)
            if back is not None and back - stopped < 3.0:
                r.backchannel_pauses += 1
            else:
                r.backchannel_stops += 1


# ---- the worker's cost ----------------------------------------------------------------------------------------------


class WorkerMeter:
    """CPU seconds and PSS of the worker process and all its descendants, sampled every half second.

    CPU counts each process's own time and, through its parent's `children_*` times, the processes that ended
    (job processes, espeak-ng runs); a process seen alive and then reaped by a process we watch is counted once."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.own: dict[int, float] = {}
        self.reaped: dict[int, float] = {}
        self.parent: dict[int, int] = {}
        self.peak_pss = 0
        self._task: asyncio.Task | None = None

    def procs(self) -> list[psutil.Process]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def sample(self) -> int:
        pss = 0
        for p in self.procs():
            try:
                t = p.cpu_times()
                self.own[p.pid] = t.user + t.system
                self.reaped[p.pid] = t.children_user + t.children_system
                self.parent[p.pid] = p.ppid()
                pss += p.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        self.peak_pss = max(self.peak_pss, pss)
        return pss

    def cpu_seconds(self) -> float:
        live = {p.pid for p in self.procs()}
        total = sum(self.own.values()) + sum(self.reaped.values())
        for pid, seconds in self.own.items():  # ended, and already inside its parent's children_* time
            if pid not in live and self.parent.get(pid) in self.reaped:
                total -= seconds
        return total

    async def _run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(0.5)

    def start(self) -> None:
        self.sample()
        self.peak_pss = 0
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        self.sample()


# ---- a round of N -----------------------------------------------------------------------------------------------------


@dataclass
class Round:
    n: int
    results: list[Result]
    cpu_per_minute: float
    pss_per_interview: float
    pss_idle: float
    pss_peak: float


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def fmt(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.2f}{unit}"


async def settle_idle(meter: WorkerMeter) -> float:
    """The idle worker's PSS, once it has stopped working (under 10 % of a core for 2 s; 90 s at most)."""
    deadline = time.monotonic() + 90
    await asyncio.to_thread(meter.sample)
    while time.monotonic() < deadline:
        before = meter.cpu_seconds()
        await asyncio.sleep(2)
        pss = await asyncio.to_thread(meter.sample)
        if meter.cpu_seconds() - before < 0.2:
            break
    return float(pss)


async def run_round(
    stack: Stack,
    key: str,
    project: str,
    n: int,
    voices: Voices,
    answers: int,
    worker_pid: int,
    think: tuple[float, float] = THINK,
) -> Round:
    meter = WorkerMeter(worker_pid)
    idle = await settle_idle(meter)
    body = {"count": n, "duration_minutes": 10, "expires_in_days": 1, "voice": "alloy", "language": "en"}
    links = api_call(stack.control_plane_url, "POST", f"/api/projects/{project}/links", body, key)["links"]
    respondents = [
        Respondent(i, link, script_clips(voices, i, answers), stack.control_plane_url, think)
        for i, link in enumerate(links)
    ]
    meter.start()
    cpu0 = meter.cpu_seconds()
    began = time.monotonic()
    results = await asyncio.gather(*(r.run(began) for r in respondents), return_exceptions=True)
    await meter.stop()
    cpu = meter.cpu_seconds() - cpu0
    done = []
    for result in results:
        if isinstance(result, BaseException):
            done.append(Result(error=repr(result)))
        else:
            done.append(result)
    minutes = sum(r.minutes for r in done) or 1.0
    return Round(
        n=n,
        results=done,
        cpu_per_minute=cpu / minutes,
        pss_per_interview=max(0.0, meter.peak_pss - idle) / n / 2**20,
        pss_idle=idle / 2**20,
        pss_peak=meter.peak_pss / 2**20,
    )


def table(rounds: list[Round]) -> str:
    rows = [
        ("voice to voice P50 s", lambda v: fmt(pct(v["v2v"], 0.5))),
        ("voice to voice P95 s", lambda v: fmt(pct(v["v2v"], 0.95))),
        ("barge-in stop P50 s", lambda v: fmt(pct(v["stop"], 0.5))),
        ("barge-in stop P95 s", lambda v: fmt(pct(v["stop"], 0.95))),
        ("  of which in the greeting P95 s", lambda v: fmt(pct(v["gstop"], 0.95))),
        ("barge-ins the agent talked through", lambda v: f"{v['not_stopped']} of {v['barges']}"),
        ("pause answers cut off", lambda v: f"{v['cut']} of {v['paused']}"),
        ("other answers talked over", lambda v: f"{v['over']} of {v['answers'] - v['paused']}"),
        ("missed turns", lambda v: f"{v['missed']} of {v['answers']}"),
        ("mm-hm / cough: agent paused, went on", lambda v: f"{v['bc_pauses']} of {v['bc']}"),
        ("mm-hm / cough: agent stopped its line", lambda v: f"{v['bc_stops']} of {v['bc']}"),
        ("mm-hm stored as an answer", lambda v: str(v["bc_answers"])),
        ("greeting delay P50 / max s", lambda v: f"{fmt(pct(v['greet'], 0.5))} / {fmt(max(v['greet'], default=None))}"),
        ("worker CPU s per interview-minute", lambda v: f"{v['cpu']:.1f}"),
        ("worker PSS per interview MB", lambda v: f"{v['pss']:.0f}"),
        ("worker PSS idle → peak MB", lambda v: f"{v['idle']:.0f} → {v['peak']:.0f}"),
        ("respondents told no interviewer is free", lambda v: str(v["busy"])),
        ("respondents with another error", lambda v: str(v["errors"] - v["busy"])),
    ]
    views = []
    for rnd in rounds:
        rs = rnd.results
        views.append(
            {
                "v2v": [x for r in rs for x in r.voice_to_voice],
                "stop": [x for r in rs for x in r.barge_stop + r.greeting_stop],
                "gstop": [x for r in rs for x in r.greeting_stop],
                "not_stopped": sum(r.barge_not_stopped for r in rs),
                "barges": sum(len(r.barge_stop) + len(r.greeting_stop) + r.barge_not_stopped for r in rs),
                "cut": sum(r.cut_offs for r in rs),
                "over": sum(r.talked_over for r in rs),
                "paused": sum(r.pause_answers for r in rs),
                "missed": sum(r.missed for r in rs),
                "answers": sum(r.answers for r in rs),
                "bc_stops": sum(r.backchannel_stops for r in rs),
                "bc_pauses": sum(r.backchannel_pauses for r in rs),
                "bc_answers": sum(r.backchannel_answers for r in rs),
                "bc": sum(r.backchannels for r in rs),
                "greet": [r.greeting_delay for r in rs if r.greeting_delay is not None],
                "cpu": rnd.cpu_per_minute,
                "pss": rnd.pss_per_interview,
                "idle": rnd.pss_idle,
                "peak": rnd.pss_peak,
                "errors": sum(bool(r.error) for r in rs),
                "busy": sum(r.error == "told no interviewer is free" for r in rs),
            }
        )
    head = "| interviews at once | " + " | ".join(str(r.n) for r in rounds) + " |"
    lines = [head, "| --- |" + " --- |" * len(rounds)]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(v) for v in views) + " |")
    return "\n".join(lines)


def machine() -> str:
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    load = ", ".join(f"{x:.1f}" for x in psutil.getloadavg())
    return f"{psutil.cpu_count()} cores ({model}), {psutil.virtual_memory().total / 2**30:.0f} GiB; load average {load}"


async def main_async(
    sizes: list[int], answers: int, keep: bool, extra_env: dict[str, str], think: tuple[float, float] = THINK
) -> None:
    from agent.speech.models import cache_dir

    voices = Voices(cache_dir() / "bench-room-path")
    print("Rendering the respondents' answers (once; kept in the cache) …", flush=True)
    for i in range(max(sizes)):
        script_clips(voices, i, answers)
    workdir = Path(tempfile.mkdtemp(prefix="room-path-"))
    stack = Stack(
        workdir,
        extra_env={
            "OPENAI_API_KEY": "",
            "DISPATCH_AGENTS": "true",
            "SECRET_KEY": SECRET,
            "MAX_INTERVIEWS": str(max(sizes)),
            **extra_env,
        },
    )
    rounds: list[Round] = []
    try:
        print("Starting LiveKit server, the control plane and one agent worker …", flush=True)
        stack.start_livekit()
        stack.start_control_plane()
        worker = stack.start_worker("agent", timeout=240)
        base = stack.control_plane_url
        email = f"bench-{int(time.time())}@example.com"
        key = api_call(base, "POST", "/api/auth/signup", {"email": email, "password": "bench password"})["api_key"]
        project = api_call(base, "POST", "/api/projects", {"name": "Room path bench"}, key)["id"]
        api_call(
            base,
            "PUT",
            f"/api/projects/{project}/context",
            {"research_goals": "Learn how people plan their week.", "interview_guide": GUIDE},
            key,
        )
        for n in sizes:
            print(f"{n} interview(s) at once …", flush=True)
            rnd = await run_round(stack, key, project, n, voices, answers, worker.popen.pid, think)
            rounds.append(rnd)
            for i, r in enumerate(rnd.results):
                if r.error:
                    print(f"  respondent {i + 1}: {r.error}", flush=True)
            if not worker.alive():
                print("the worker died; see", worker.log, flush=True)
                break
    finally:
        stack.stop_all()
        if keep:
            print(f"Logs kept in {workdir}")
    print()
    print(f"Room path, one offline worker: {machine()}")
    print(f"{answers} answers per respondent after a barge-in during the greeting; script {', '.join(SCRIPT)}")
    waits = f"{think[0]:g} s" if think[0] == think[1] else f"{think[0]:g}–{think[1]:g} s (seeded)"
    print(f"each respondent waits {waits} after the agent's question before answering")
    print()
    print(table(rounds))
    (workdir / "rounds.json").write_text(
        json.dumps([r.__dict__ | {"results": [x.__dict__ for x in r.results]} for r in rounds], default=str)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,2,4,6", help="interviews at once, comma-separated (default 1,2,4,6)")
    parser.add_argument("--answers", type=int, default=len(SCRIPT), help="turns per respondent after the greeting")
    parser.add_argument("--keep", action="store_true", help="keep the stack's logs")
    parser.add_argument(
        "--think", default="0.6", help="seconds before each answer: one value, or a range LOW-HIGH (default 0.6)"
    )
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the worker (repeatable)")
    args = parser.parse_args()
    logging.getLogger("livekit").setLevel(logging.CRITICAL)  # a closing room's data channels are no news here
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    extra = dict(item.split("=", 1) for item in args.env)
    low, _, high = args.think.partition("-")
    try:
        think = (float(low), float(high or low))
    except ValueError:
        think = None
    if think is None or not 0 <= think[0] <= think[1]:
        parser.error(f"--think {args.think}: give seconds, or a range LOW-HIGH with LOW <= HIGH")
    asyncio.run(main_async(sizes, args.answers, args.keep, extra, think))


if __name__ == "__main__":
    sys.exit(main())
