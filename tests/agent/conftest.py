"""Fixtures for the worker's tests: interview configs as the control plane would send them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.interview import InterviewConfig, Turn

GUIDE_EN = """1. How do you plan your week?
   - Probe: What tools do you use for it?
2. What gets in the way of your plans?
3. What would make planning easier for you?"""
GUIDE_RU = """1. Как вы планируете свою неделю?
2. Что мешает вашим планам?
3. Что помогло бы вам планировать?"""


def make_config(
    guide: str = GUIDE_EN, language: str = "en", minutes_left: float = 10, turns: tuple[Turn, ...] = ()
) -> InterviewConfig:
    now = datetime.now(UTC)
    return InterviewConfig(
        interview_id="11111111-2222-3333-4444-555555555555",
        room="interview-11111111-2222-3333-4444-555555555555",
        status="active",
        research_goals="Understand how people plan their week.",
        interview_guide=guide,
        topics=("planning",),
        language=language,
        voice="alloy",
        duration_minutes=10,
        started_at=now - timedelta(minutes=10 - minutes_left),
        ends_at=now + timedelta(minutes=minutes_left),
        turns=turns,
    )


@pytest.fixture
def config() -> InterviewConfig:
    return make_config()
