"""The offline providers the worker's factory picks when no OpenAI key is set: nothing is downloaded at run time.

Speech comes from `agent.speech` (Whisper to hear; Piper and espeak-ng to speak), the brain is the guide-driven
conductor (`agent.conductor`).
"""

from __future__ import annotations

from livekit.agents import llm

from agent.conductor import ConductorLLM
from agent.interview import InterviewConfig
from agent.speech import VOICES, build_stt, build_tts, prewarm

__all__ = ["VOICES", "build_llm", "build_stt", "build_tts", "prewarm"]


def build_llm(config: InterviewConfig) -> llm.LLM:
    return ConductorLLM(config)
