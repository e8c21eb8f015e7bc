"""How Whisper's window changes what it hears and how long it takes: word error rate and time per answer.

    .venv/bin/python -m bench.whisper_window [--model tiny.en] [--windows 10,15,20,30] [--clips DIR]

Whisper is trained on 30 s windows and pads every input to 30 s, so a 3 s answer costs as much as 30 s of speech;
`agent.speech.stt` hears an utterance of up to `SHORT_MAX_SECONDS` in a shorter window. This transcribes the room
bench's answers (`bench.room_path`: plain answers, both halves of the paused ones and the whole of them, the barge-ins,
the e2e tests' sentences), each in espeak-ng and in the Piper voice, in each window, and prints the word error rate per
voice and the median time per answer. `--clips DIR` adds recordings of your own: 16 kHz mono WAV files, each with its
words in a `.txt` file of the same name (for instance what reached a worker through Chromium).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import wave
from pathlib import Path

import numpy as np
from livekit import rtc

from agent.speech import stt
from agent.speech.models import cache_dir
from bench.room_path import BARGE_IN, GREETING_BARGE_IN, PAUSED, PLAIN, RATE, Voices

# The e2e tests' sentences (tests/e2e/conftest.py)
E2E = [
    "I plan my week on Monday morning with a paper calendar and a long list of tasks.",
    "I plan my week on Monday morning.",
]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_errors(reference: list[str], heard: list[str]) -> int:
    """Substitutions, deletions and insertions: the edit distance between the two word lists."""
    row = list(range(len(heard) + 1))
    for i in range(1, len(reference) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(heard) + 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (reference[i - 1] != heard[j - 1]))
    return row[len(heard)]


def corpus(clips: Path | None) -> list[tuple[str, str, np.ndarray]]:
    """(source, words said, float32 audio at 16 kHz)"""
    voices = Voices(cache_dir() / "bench-room-path")
    texts = [*PLAIN, *(a for a, _ in PAUSED), *(b for _, b in PAUSED), *(f"{a} {b}" for a, b in PAUSED)]
    texts += [GREETING_BARGE_IN, BARGE_IN, *E2E]
    found = []
    for text in texts:
        for voice in ("espeak", "piper"):
            pcm = voices.render(text, voice)
            found.append((voice, text, stt.to_whisper_audio(rtc.AudioFrame(pcm.tobytes(), RATE, 1, len(pcm)))))
    for path in sorted(clips.glob("*.wav")) if clips else []:
        with wave.open(str(path)) as w:
            if w.getframerate() != stt.WHISPER_RATE or w.getnchannels() != 1:
                raise SystemExit(f"{path}: expected 16 kHz mono")
            audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        found.append((clips.name, path.with_suffix(".txt").read_text().strip(), audio))
    return found


def heard_in(model, window: int, audio: np.ndarray) -> str:
    if window == 30 or len(audio) > (window - 1) * stt.WHISPER_RATE:
        saved = stt.SHORT_MAX_SECONDS
        stt.SHORT_MAX_SECONDS = 0.0
        try:
            return stt.transcribe(model, audio, "en").text
        finally:
            stt.SHORT_MAX_SECONDS = saved
    saved = stt.SHORT_WINDOW_SECONDS
    stt.SHORT_WINDOW_SECONDS = window
    try:
        return stt.transcribe(model, audio, "en").text
    finally:
        stt.SHORT_WINDOW_SECONDS = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en", choices=["tiny.en", "base"])
    parser.add_argument("--windows", default="10,15,20,30", help="window lengths in seconds, comma-separated")
    parser.add_argument("--clips", type=Path, help="a folder of 16 kHz mono WAVs, each with a .txt of its words")
    parser.add_argument("--show", action="store_true", help="print each answer heard with two or more errors")
    args = parser.parse_args()
    clips = corpus(args.clips)
    sources = sorted({source for source, _, _ in clips})
    model = stt.load_whisper(args.model)
    stt.transcribe(model, clips[0][2], "en")  # the first run sets up buffers
    print(f"Whisper {args.model}, {len(clips)} answers ({', '.join(sources)})\n")
    print("| window s | " + " | ".join(f"WER {s}" for s in sources) + " | WER all | median s per answer |")
    print("| --- |" + " --- |" * (len(sources) + 2))
    for window in [int(w) for w in args.windows.split(",")]:
        errors = dict.fromkeys(sources, 0)
        said = dict.fromkeys(sources, 0)
        took = []
        for source, text, audio in clips:
            started = time.perf_counter()
            heard = heard_in(model, window, audio)
            took.append(time.perf_counter() - started)
            wrong = word_errors(words(text), words(heard))
            errors[source] += wrong
            said[source] += len(words(text))
            if args.show and wrong > 1:
                print(f"  {window} s, {source}: {text!r} heard as {heard!r}")
        cells = [f"{100 * errors[s] / said[s]:.1f} %" for s in sources]
        total = 100 * sum(errors.values()) / sum(said.values())
        print(f"| {window} | " + " | ".join(cells) + f" | {total:.1f} % | {statistics.median(took):.2f} |")


if __name__ == "__main__":
    main()
