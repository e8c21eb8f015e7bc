"""Offline speech providers: load time, real-time factor, time to first audio and peak memory of each.

    .venv/bin/python -m bench.offline_providers [--loads 3] [--runs 5]

Each provider is measured in fresh processes (`--loads` of them), so its load time and memory are its own: load the
model, make one warm-up call, then `--runs` timed calls through the livekit-agents interface the worker uses
(`STT.recognize`, `TTS.synthesize`). Prints medians. The speech heard by the STT rows is made here by espeak-ng, at
its own 22.05 kHz, so the STT's resampling to 16 kHz is part of what is timed. "short answer s" is the time to
transcribe a two-to-three-second answer: Whisper pads every input to 30 s, so this, not the RTF, is the STT's share
of the gap between the end of the respondent's speech and the agent's first audio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

ENGLISH = (
    "Thank you for taking the time to talk with me today. I would like to hear how you plan your week. "
    "What happens on a typical Monday morning, and which tools do you rely on?"
)
RUSSIAN = (
    "Спасибо, что нашли время поговорить со мной. Расскажите, пожалуйста, как вы планируете свою неделю. "
    "Что происходит в обычное утро понедельника?"
)
SHORT = {"en": "Yes, I usually plan on Sunday evening.", "ru": "Да, обычно я планирую в воскресенье вечером."}
PROVIDERS = {
    "stt whisper tiny.en (en)": ("stt", "en", ENGLISH),
    "stt whisper base (ru)": ("stt", "ru", RUSSIAN),
    "stt whisper base (auto, en speech)": ("stt", "auto", ENGLISH),
    "tts piper joe (en)": ("tts", "en", ENGLISH),
    "tts espeak-ng (ru)": ("tts", "ru", RUSSIAN),
    "prewarm: all three models": ("prewarm", "", ""),
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def measure_one(name: str, runs: int) -> dict[str, Any]:
    """In this process: load one provider, then time `runs` calls. Returns seconds and MiB."""
    from agent.speech import espeak, models
    from agent.speech.piper import PiperVoice
    from agent.speech.stt import WhisperSTT, load_whisper
    from agent.speech.tts import LocalTTS

    kind, language, text = PROVIDERS[name]
    baseline = rss_mb()
    result: dict[str, Any] = {"baseline_rss_mb": baseline}
    if kind == "prewarm":
        from agent import speech

        start = time.perf_counter()
        speech.prewarm({})
        result.update(load_s=time.perf_counter() - start, peak_rss_mb=rss_mb())
        return result

    start = time.perf_counter()
    if kind == "stt":
        model_name = "tiny.en" if language == "en" else "base"
        provider: Any = WhisperSTT(load_whisper(model_name), model_name=model_name, language=language)
    else:
        provider = LocalTTS(
            PiperVoice(*models.piper_voice()) if language == "en" else None, language=language, voice_name="alloy"
        )
    result["load_s"] = time.perf_counter() - start

    if kind == "stt":
        # espeak-ng speaks the respondent: no second model in this process to blur its memory
        voice = "ru" if language == "ru" else "en-us"
        frame, short = (espeak_frame(espeak, t, voice) for t in (text, SHORT["ru" if language == "ru" else "en"]))
        await provider.recognize(short)  # warm-up
        times = [await timed(provider.recognize(frame)) for _ in range(runs)]
        short_times = [await timed(provider.recognize(short)) for _ in range(runs)]
        event = await provider.recognize(frame)
        result.update(
            audio_s=frame.duration,
            rtf=statistics.median(times) / frame.duration,
            short_s=statistics.median(short_times),
            short_audio_s=short.duration,
            text=event.alternatives[0].text,
            language=str(event.alternatives[0].language),
        )
    else:
        firsts, rtfs = [], []
        for i in range(runs + 1):
            start = time.perf_counter()
            first, pcm = None, 0
            async for audio in provider.synthesize(text):
                first = first or time.perf_counter() - start
                pcm += audio.frame.samples_per_channel
            total = time.perf_counter() - start
            if i:
                firsts.append(first)
                rtfs.append(total / (pcm / provider.sample_rate))
        result.update(rtf=statistics.median(rtfs), first_audio_s=statistics.median(firsts), audio_s=pcm / 22050)
    result["peak_rss_mb"] = rss_mb()
    return result


def espeak_frame(espeak: Any, text: str, voice: str) -> Any:
    from livekit import rtc

    samples, rate = espeak.speak(text, voice, 150)
    return rtc.AudioFrame(samples.tobytes(), rate, 1, len(samples))


async def timed(call: Any) -> float:
    start = time.perf_counter()
    await call
    return time.perf_counter() - start


def run_in_fresh_process(name: str, runs: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.offline_providers", "--one", name, "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=3, help="fresh processes per provider (load time, memory)")
    parser.add_argument("--runs", type=int, default=5, help="timed calls per process")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(measure_one(args.one, args.runs)), ensure_ascii=False))
        return

    print(f"medians over {args.loads} fresh processes x {args.runs} timed calls; RSS in MiB\n")
    header = "| provider | load s | RTF | first audio s | short answer s | peak RSS | model RSS |"
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|")
    notes = []
    for name in PROVIDERS:
        samples = [run_in_fresh_process(name, args.runs) for _ in range(args.loads)]

        def med(key: str, samples: list[dict[str, Any]] = samples) -> float | None:
            values = [s[key] for s in samples if key in s]
            return statistics.median(values) if values else None

        peak, base = med("peak_rss_mb"), med("baseline_rss_mb")
        print(
            f"| {name} | {fmt(med('load_s'), '.2f')} | {fmt(med('rtf'), '.3f')} | {fmt(med('first_audio_s'), '.3f')}"
            f" | {fmt(med('short_s'), '.2f')} | {fmt(peak, '.0f')} | {fmt(peak - base, '.0f')} |"
        )
        if "text" in samples[-1]:
            notes.append(
                f"{name}: {samples[-1]['audio_s']:.1f} s heard as [{samples[-1]['language']}] {samples[-1]['text']!r};"
                f" short answer {samples[-1]['short_audio_s']:.1f} s"
            )
        elif "audio_s" in samples[-1]:
            notes.append(f"{name}: {samples[-1]['audio_s']:.1f} s of audio")
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
