"""What the end-of-turn model hears: v1-mini's probability that a turn is over, for finished and unfinished answers.

    .venv/bin/python -m bench.end_of_turn [--silence 0.2]

v1-mini (`livekit-local-inference`) is an acoustic model: it is given the last 1.2 s of the respondent's audio at
16 kHz, with the `--silence` seconds of quiet the VAD waited before asking (0.2 s in the framework), and answers the
probability that the turn is over; under the language's threshold (0.36 for English) the session waits up to the
endpointing `max_delay` instead of `min_delay`. This prints, for each answer of `bench.room_path` in each voice
(espeak-ng and the Piper voice), the probability at the end of the answer (it should be high) and, for the answers
with a pause in mid-sentence, at the pause (it should be low), with the share of each over the threshold.
"""

from __future__ import annotations

import argparse

import numpy as np
from livekit import rtc
from livekit.agents.inference.eot.languages import LOCAL_LANGUAGES
from livekit.local_inference import EOT, EOT_MAX_SAMPLES

from bench.room_path import PAUSED, PLAIN, RATE, Voices, speech_bounds

EOT_RATE = 16000
THRESHOLD = LOCAL_LANGUAGES["en"]


def to_16k(samples: np.ndarray) -> np.ndarray:
    resampler = rtc.AudioResampler(RATE, EOT_RATE, num_channels=1)
    frame = rtc.AudioFrame(samples.astype(np.int16).tobytes(), RATE, 1, len(samples))
    out = [*resampler.push(frame), *resampler.flush()]
    return np.frombuffer(b"".join(bytes(f.data) for f in out), dtype=np.int16)


def probability(model: EOT, speech: np.ndarray, silence: float) -> float:
    """v1-mini on the end of `speech` (48 kHz) followed by `silence` seconds of quiet."""
    start, end = speech_bounds(speech)
    trimmed = speech[int(start * RATE) : int(end * RATE)]
    pcm = to_16k(np.concatenate([trimmed, np.zeros(int(silence * RATE), np.int16)]))
    return float(model.predict(np.ascontiguousarray(pcm[-EOT_MAX_SAMPLES:])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--silence", type=float, default=0.2, help="seconds of quiet after the speech (default 0.2)")
    args = parser.parse_args()
    from agent.speech.models import cache_dir

    voices = Voices(cache_dir() / "bench-room-path")
    model = EOT()
    rows: list[tuple[str, str, str, float]] = []
    for voice in ("espeak", "piper"):
        for text in PLAIN:
            rows.append((voice, "finished", text, probability(model, voices.render(text, voice), args.silence)))
        for first, second in PAUSED:
            rows.append((voice, "pause", first, probability(model, voices.render(first, voice), args.silence)))
            whole = f"{first} {second}"
            rows.append((voice, "finished", whole, probability(model, voices.render(whole, voice), args.silence)))
    print(f"\nv1-mini, {args.silence:.2f} s of quiet after the speech; English threshold {THRESHOLD}\n")
    print("| voice | where | p (turn over) | text |")
    print("| --- | --- | ---: | --- |")
    for voice, where, text, p in rows:
        print(f"| {voice} | {where} | {p:.2f} | {text} |")
    print("\n| voice | finished answers judged over | mid-sentence pauses judged over |")
    print("| --- | --- | --- |")
    for voice in ("espeak", "piper"):
        done = [p for v, w, _, p in rows if v == voice and w == "finished"]
        paused = [p for v, w, _, p in rows if v == voice and w == "pause"]
        over = sum(p >= THRESHOLD for p in done)
        cut = sum(p >= THRESHOLD for p in paused)
        print(f"| {voice} | {over} of {len(done)} | {cut} of {len(paused)} |")


if __name__ == "__main__":
    main()
