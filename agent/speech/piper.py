"""A Piper (VITS) voice run with onnxruntime directly, phonemes from the espeak-ng program.

This replaces the `piper-tts` package (GPL-3.0) with the few steps it takes: IPA phonemes of a sentence, each
phoneme mapped to its ids with a pad between them, BOS before and EOS after, one run of the model with the voice's
`inference` scales, float audio to int16.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime

from agent.speech import espeak

BOS, EOS, PAD = "^", "$", "_"
# Sentences said before are kept, up to this many bytes of audio (about 6 minutes of speech): every respondent of a
# study hears the same greeting, questions and acknowledgements, and synthesis is most of a worker's CPU.
CACHE_BYTES = 16 * 2**20


@dataclass(frozen=True)
class PiperConfig:
    sample_rate: int
    espeak_voice: str
    phoneme_id_map: dict[str, list[int]]
    noise_scale: float
    length_scale: float
    noise_w: float

    @classmethod
    def load(cls, path: Path) -> PiperConfig:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("phoneme_type", "espeak") != "espeak":
            raise ValueError(f"{path.name}: only espeak-phoneme Piper voices are supported")
        inference = raw.get("inference", {})
        return cls(
            sample_rate=int(raw["audio"]["sample_rate"]),
            espeak_voice=raw["espeak"]["voice"],
            phoneme_id_map=raw["phoneme_id_map"],
            noise_scale=float(inference.get("noise_scale", 0.667)),
            length_scale=float(inference.get("length_scale", 1.0)),
            noise_w=float(inference.get("noise_w", 0.8)),
        )


class PiperVoice:
    """Thread-safe: onnxruntime sessions may be run from several threads at once.

    One thread per run, without spinning: onnxruntime's default (a thread per core, each spinning for work after a
    run) speeds one sentence up a little and costs the other interviews on the host a core each time."""

    def __init__(self, model: Path, config: Path, threads: int = 1, cache_bytes: int = CACHE_BYTES) -> None:
        self.config = PiperConfig.load(config)
        self._cache: OrderedDict[tuple[str, float], np.ndarray] = OrderedDict()
        self._cache_bytes = 0
        self._cache_limit = cache_bytes
        self._cache_lock = threading.Lock()
        # sentences being made now, and whether made ahead (`synthesize`): a second interview asking for one waits
        # for it instead of making it again
        self._making: dict[tuple[str, float], tuple[Future[np.ndarray], bool]] = {}
        self.cache_hits = 0
        self.runs = 0
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    def phoneme_ids(self, phonemes: str) -> list[int]:
        ids_of = self.config.phoneme_id_map
        ids = [*ids_of[BOS], *ids_of[PAD]]
        for phoneme in unicodedata.normalize("NFD", phonemes):
            if phoneme in ids_of:  # Piper skips what the voice was not trained on
                ids += [*ids_of[phoneme], *ids_of[PAD]]
        return [*ids, *ids_of[EOS]]

    def has(self, sentence: str, speed: float = 1.0) -> bool:
        """Whether `sentence` is in the cache or being made."""
        with self._cache_lock:
            return (sentence, speed) in self._cache or (sentence, speed) in self._making

    def synthesize(self, sentence: str, speed: float = 1.0, *, ahead: bool = False) -> np.ndarray:
        """Blocking: one sentence to int16 mono samples at `sample_rate` (empty if nothing to say). A sentence said
        before comes from the cache, and one being made for another interview at this moment (respondents who join
        together all hear the same greeting) is waited for, not made again.

        `ahead`: made before it is needed, at the host's lowest priority (`tts.say_ahead`). A sentence an interview
        needs now never waits for such a run, which a busy host runs only when nothing else needs a core: it is made
        again, at the interview's own priority, and whichever is done first is kept."""
        key = (sentence, speed)
        with self._cache_lock:
            if (cached := self._cache.get(key)) is not None:
                self._cache.move_to_end(key)
                self.cache_hits += 1
                return cached
            making, made_ahead = self._making.get(key, (None, False))
            if making is None or (made_ahead and not ahead):
                # later interviews wait for this run, not for the one made ahead
                mine: Future[np.ndarray] = Future()
                self._making[key] = (mine, ahead)
                making = None
        if making is not None:
            return making.result()
        try:
            audio = self._synthesize(sentence, speed)
        except BaseException as exc:
            self._done(key, mine)
            mine.set_exception(exc)
            raise
        self._done(key, mine, audio)
        mine.set_result(audio)
        return audio

    def _done(self, key: tuple[str, float], mine: Future[np.ndarray], audio: np.ndarray | None = None) -> None:
        with self._cache_lock:
            if (making := self._making.get(key)) is not None and making[0] is mine:
                del self._making[key]
            if audio is not None and key not in self._cache and audio.nbytes <= self._cache_limit:
                self._cache[key] = audio
                self._cache_bytes += audio.nbytes
                while self._cache_bytes > self._cache_limit:
                    _, old = self._cache.popitem(last=False)
                    self._cache_bytes -= old.nbytes

    def warm_up(self) -> None:
        """One run, not kept in the cache: onnxruntime sets up its buffers on a session's first run."""
        self._synthesize("Hello.", 1.0)

    def _synthesize(self, sentence: str, speed: float) -> np.ndarray:
        self.runs += 1
        phonemes = espeak.phonemize(sentence, self.config.espeak_voice)
        if not phonemes.strip():
            return np.zeros(0, dtype=np.int16)
        ids = np.array([self.phoneme_ids(phonemes)], dtype=np.int64)
        scales = np.array(
            [self.config.noise_scale, self.config.length_scale / speed, self.config.noise_w], dtype=np.float32
        )
        audio = self._session.run(
            None, {"input": ids, "input_lengths": np.array([ids.shape[1]], dtype=np.int64), "scales": scales}
        )[0]
        return (np.clip(audio.squeeze(), -1.0, 1.0) * 32767).astype(np.int16)
