"""The models come from installed packages; Whisper base is joined once from its two halves and checked."""

from __future__ import annotations

import os

from agent.speech import models


def test_whisper_base_is_joined_once_and_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("AI_INTERVIEWER_CACHE", str(tmp_path))

    folder = models.whisper_base()

    assert folder == tmp_path / "whisper-base"
    assert {p.name for p in folder.iterdir()} == {
        "config.json",
        "model.bin",
        "model.bin.sha256",
        "tokenizer.json",
        "vocabulary.txt",
    }
    assert (folder / "model.bin.sha256").read_text().strip() == models.WHISPER_BASE_SHA256
    joined_at = os.stat(folder / "model.bin").st_mtime_ns
    assert models.whisper_base() == folder and os.stat(folder / "model.bin").st_mtime_ns == joined_at


def test_a_truncated_join_is_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("AI_INTERVIEWER_CACHE", str(tmp_path))
    folder = models.whisper_base()
    with open(folder / "model.bin", "r+b") as model:
        model.truncate(1000)

    models.whisper_base()

    assert (folder / "model.bin").stat().st_size == 145_217_532


def test_the_english_models_are_installed_files():
    assert (models.whisper_tiny_en() / "model.bin").is_file()
    onnx, config = models.piper_voice()
    assert onnx.is_file() and config.is_file()
