"""The offline providers the worker's factory picks when no OpenAI key is set: nothing is downloaded at run time.

Speech comes from `agent.speech` (Whisper to hear; Piper and espeak-ng to speak); the brain, when no model is
configured, is the guide-driven conductor (`agent.conductor`, built by `agent.providers`).
"""

from __future__ import annotations

from agent.speech import VOICES, build_stt, build_tts, prewarm

__all__ = ["VOICES", "build_stt", "build_tts", "prewarm"]
