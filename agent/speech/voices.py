"""Text-to-speech voices: Piper's "joe" for English through onnxruntime, and espeak-ng for Russian.

Licence: the `piper-tts` package is GPL-3.0, so it is not used. The voice model (CC0) runs through onnxruntime
here, with phonemes from the `espeak-ng` program (GPL-3.0, run as a separate program from Debian's package, not
linked). Text is spoken sentence by sentence so the first audio comes early.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import wave

import numpy as np
from livekit.agents import tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions

from agent.speech import models

SENTENCE = re.compile(r"(?<=[.!?…])\s+")
# The product's voice names (OpenAI's) and the installed voice each maps to, per language.
VOICES: dict[str, dict[str, str]] = {
    "alloy": {"en": "joe", "ru": "ru"},
    "ash": {"en": "joe", "ru": "ru"},
    "echo": {"en": "joe", "ru": "ru+m3"},
    "sage": {"en": "joe", "ru": "ru+m2"},
    "coral": {"en": "joe", "ru": "ru+f2"},
    "nova": {"en": "joe", "ru": "ru+f3"},
    "shimmer": {"en": "joe", "ru": "ru+f4"},
}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(text.strip()) if s.strip()]


class PiperVoice:
    """A Piper VITS voice run with onnxruntime; phonemes come from the espeak-ng program, as Piper's do."""

    def __init__(self) -> None:
        import onnxruntime

        model, config = models.piper_voice()
        self.config = json.loads(config.read_text())
        self.sample_rate = int(self.config["audio"]["sample_rate"])
        self.ids = self.config["phoneme_id_map"]
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        scales = self.config["inference"]
        self.scales = np.array([scales["noise_scale"], scales["length_scale"], scales["noise_w"]], dtype=np.float32)

    def phonemes(self, sentence: str) -> str:
        voice = self.config["espeak"]["voice"]
        out = subprocess.run(
            ["espeak-ng", "-q", "-v", voice, "--ipa"], input=sentence, capture_output=True, text=True, check=True
        ).stdout
        clauses = [line.strip() for line in out.splitlines() if line.strip()]
        end = sentence.rstrip()[-1:] if sentence.rstrip()[-1:] in ".!?" else "."
        return ", ".join(clauses) + end

    def synthesize(self, sentence: str) -> bytes:
        pad, bos, eos = self.ids["_"][0], self.ids["^"][0], self.ids["$"][0]
        ids = [bos, pad]
        for phoneme in self.phonemes(sentence):
            if phoneme in self.ids:
                ids += [self.ids[phoneme][0], pad]
        ids.append(eos)
        audio = self.session.run(
            None,
            {
                "input": np.array([ids], dtype=np.int64),
                "input_lengths": np.array([len(ids)], dtype=np.int64),
                "scales": self.scales,
            },
        )[0].squeeze()
        peak = max(0.01, float(np.max(np.abs(audio))))
        return (np.clip(audio / peak * 0.9, -1, 1) * 32767).astype(np.int16).tobytes()


class EspeakVoice:
    """espeak-ng itself, for languages without a Piper voice here (Russian): robotic but clear."""

    sample_rate = 22_050

    def __init__(self, voice: str) -> None:
        self.voice = voice

    def synthesize(self, sentence: str) -> bytes:
        wav = subprocess.run(
            ["espeak-ng", "-v", self.voice, "-s", "160", "--stdout"],
            input=sentence.encode(),
            capture_output=True,
            check=True,
        ).stdout
        with wave.open(io.BytesIO(wav)) as w:
            assert w.getframerate() == self.sample_rate and w.getsampwidth() == 2
            return w.readframes(w.getnframes())


class OfflineTTS(tts.TTS):
    def __init__(self, voice: PiperVoice | EspeakVoice, name: str) -> None:
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False), sample_rate=voice.sample_rate, num_channels=1
        )
        self.voice = voice
        self.name = name

    @property
    def model(self) -> str:
        return self.name

    @property
    def provider(self) -> str:
        return "offline"

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _Chunked(tts=self, input_text=text, conn_options=conn_options)


class _Chunked(tts.ChunkedStream):
    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        voice = self._tts.voice
        output_emitter.initialize(
            request_id=utils.shortuuid("tts_"), sample_rate=voice.sample_rate, num_channels=1, mime_type="audio/pcm"
        )
        for sentence in sentences(self._input_text):
            output_emitter.push(await asyncio.to_thread(voice.synthesize, sentence))
        output_emitter.flush()
