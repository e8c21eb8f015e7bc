"""How Whisper's window changes what it hears and how long it takes: word error rate and time per answer.

    .venv/bin/python -m bench.whisper_window [--model tiny.en] [--windows 10,15,20,30] [--clips DIR] [--after 0.12,0.35]

Whisper is trained on 30 s windows and pads every input to 30 s, so a 3 s answer costs as much as 30 s of speech; the
encoder's input can be cut to a shorter window (with at least a second of silence after the speech), which is what
this measures against Whisper's own 30 s window (`agent.speech.stt` hears English answers in a 20 s one). It
transcribes the room bench's answers (`bench.room_path`: plain answers, both halves of the paused ones and the whole
of them, the barge-ins, the e2e tests' sentences), each in espeak-ng and in the Piper voice, in each window, and
prints the word error rate per source, the median time per answer and the CPU time per answer (of all the process's
threads). `--clips DIR` adds recordings of your own: 16 kHz mono WAV files, each with its words in a `.txt` file of
the same name; `bench.chromium_clips` records them as they reach a worker through Chromium. A second table counts,
for each shorter window, the answers heard with more and with fewer words wrong than in the longest one.

`--after` cuts each answer that many seconds after its last sound (its last 20 ms within 20 dB of its loudest), for
each value given: the stream hears an answer in the respondent's first pause of 0.12 s, where the VAD's end of speech
comes after 0.3 s (`agent.speech.stt`).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
import wave
from pathlib import Path

import numpy as np
from faster_whisper import WhisperModel
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


def cut_after(audio: np.ndarray, seconds: float | None) -> np.ndarray:
    """`audio` up to `seconds` of silence after its last sound (digital silence added if the clip ends sooner)."""
    if seconds is None:
        return audio
    levels = stt.levels_20ms(audio)
    last = int(np.nonzero(levels > max(stt.QUIET_RMS, levels.max() * 0.1))[0][-1])
    end = (last + 1) * (stt.WHISPER_RATE // 50)
    return np.concatenate([audio[:end], np.zeros(int(seconds * stt.WHISPER_RATE), dtype=np.float32)])


def heard_in(model: WhisperModel, window: int, audio: np.ndarray) -> str:
    """What Whisper hears in a window of `window` seconds, as `agent.speech.stt` would with that window; Whisper's
    own 30 s windows for 30 or an answer too long for the window."""
    return stt.transcribe(model, audio, "en", window).text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en", choices=["tiny.en", "base"])
    parser.add_argument("--windows", default="10,15,20,30", help="window lengths in seconds, comma-separated")
    parser.add_argument("--clips", type=Path, help="a folder of 16 kHz mono WAVs, each with a .txt of its words")
    parser.add_argument("--after", help="seconds of silence kept after each answer's last sound, comma-separated")
    parser.add_argument("--show", action="store_true", help="print each answer heard with two or more errors")
    args = parser.parse_args()
    clips = corpus(args.clips)
    sources = sorted({source for source, _, _ in clips})
    model = stt.load_whisper(args.model)
    stt.transcribe(model, clips[0][2], "en")  # the first run sets up buffers
    print(f"Whisper {args.model}, {len(clips)} answers ({', '.join(sources)})\n")
    tails: list[float | None] = [float(a) for a in args.after.split(",")] if args.after else [None]
    print(
        "| window s | "
        + ("silence after s | " if args.after else "")
        + " | ".join(f"WER {s}" for s in sources)
        + " | WER all | median s per answer | CPU s per answer |"
    )
    print("| --- |" + " --- |" * (len(sources) + 3 + bool(args.after)))
    per_answer: dict[tuple[int, float | None], list[int]] = {}  # each answer's word errors, by window and cut
    for window, tail in [(int(w), t) for w in args.windows.split(",") for t in tails]:
        per_answer[window, tail] = []
        errors = dict.fromkeys(sources, 0)
        said = dict.fromkeys(sources, 0)
        took = []
        cpu = time.process_time()
        for source, text, audio in clips:
            started = time.perf_counter()
            heard = heard_in(model, window, cut_after(audio, tail))
            took.append(time.perf_counter() - started)
            wrong = word_errors(words(text), words(heard))
            per_answer[window, tail].append(wrong)
            errors[source] += wrong
            said[source] += len(words(text))
            if args.show and wrong > 1:
                print(f"  {window} s, {tail} s after, {source}: {text!r} heard as {heard!r}")
        cells = [f"{100 * errors[s] / said[s]:.1f} %" for s in sources]
        total = 100 * sum(errors.values()) / sum(said.values())
        cpu = (time.process_time() - cpu) / len(clips)  # all of the process's threads: CTranslate2 runs two
        after = f"{tail} | " if args.after else ""
        print(
            f"| {window} | {after}"
            + " | ".join(cells)
            + f" | {total:.1f} % | {statistics.median(took):.2f} | {cpu:.2f} |"
        )

    windows = sorted({w for w, _ in per_answer})
    if len(windows) > 1:
        print(f"\nAnswers heard with more / fewer words wrong than in the {windows[-1]} s window, by source:\n")
        print("| window s | " + ("silence after s | " if args.after else "") + " | ".join(sources) + " |")
        print("| --- |" + " --- |" * (len(sources) + bool(args.after)))
        for window, tail in per_answer:
            if window == windows[-1]:
                continue
            base = per_answer[windows[-1], tail]
            cells = []
            for s in sources:
                pairs = [
                    (a, b) for (src, _, _), a, b in zip(clips, per_answer[window, tail], base, strict=True) if src == s
                ]
                cells.append(f"{sum(a > b for a, b in pairs)} / {sum(a < b for a, b in pairs)} of {len(pairs)}")
            print(f"| {window} | " + (f"{tail} | " if args.after else "") + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
