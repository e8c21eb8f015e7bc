"""The `espeak-ng` program (Debian package `espeak-ng`, GPL-3.0, run as a separate program, not linked): IPA
phonemes for the Piper voice, and a voice of its own for Russian and any language Piper does not cover."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess

import numpy as np

ESPEAK = "espeak-ng"
_CLAUSE = re.compile(r"([^,;:.!?…]+)([,;:.!?…]*)")


class EspeakMissing(RuntimeError):
    """The espeak-ng program is not on PATH."""


def _run(args: list[str], text: str) -> bytes:
    program = shutil.which(ESPEAK)
    if program is None:
        raise EspeakMissing("the espeak-ng program is not installed (Debian/Ubuntu: apt-get install espeak-ng)")
    # text on stdin (-b 1: UTF-8), never on the command line: a sentence may start with "-"
    done = subprocess.run([program, "-b", "1", *args], input=text.encode(), capture_output=True, check=True)
    return done.stdout


def phonemize(sentence: str, voice: str) -> str:
    """IPA phonemes of one sentence, clause punctuation kept as Piper's espeak phonemizer keeps it."""
    clauses = [(words.strip(), punct) for words, punct in _CLAUSE.findall(sentence) if words.strip()]
    if not clauses:
        return ""
    # one clause per line: espeak-ng answers one line of phonemes per clause
    lines = _run(["-q", "--ipa", "-v", voice], "\n".join(w + p for w, p in clauses)).decode().splitlines()
    lines = [line.strip() for line in lines if line.strip()]
    if len(lines) == len(clauses):
        return " ".join(line + punct[:1] for line, (_, punct) in zip(lines, clauses, strict=True))
    return " ".join(lines) + clauses[-1][1][:1]


def speak(text: str, voice: str, words_per_minute: int = 165) -> tuple[np.ndarray, int]:
    """espeak-ng's own voice: int16 mono samples and their sample rate."""
    return parse_wav(_run(["-v", voice, "-s", str(words_per_minute), "--stdout"], text))


def parse_wav(wav: bytes) -> tuple[np.ndarray, int]:
    """espeak-ng writes a streaming WAV whose sizes may be placeholders: read the rate, take all the data."""
    if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise ValueError("espeak-ng did not write a WAV")
    pos, rate = 12, 0
    while pos + 8 <= len(wav):
        chunk, size = wav[pos : pos + 4], struct.unpack("<I", wav[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            rate = struct.unpack("<I", wav[pos + 12 : pos + 16])[0]
        elif chunk == b"data":
            data = wav[pos + 8 :]
            return np.frombuffer(data[: len(data) // 2 * 2], dtype=np.int16), rate
        pos += 8 + size
    raise ValueError("espeak-ng's WAV has no data")
