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
    guide: str = GUIDE_EN,
    language: str = "en",
    minutes_left: float | None = None,
    turns: tuple[Turn, ...] = (),
    duration_minutes: int = 10,
    now: datetime | None = None,
    topics: tuple[str, ...] = ("planning",),
) -> InterviewConfig:
    now = now or datetime.now(UTC)
    minutes_left = duration_minutes if minutes_left is None else minutes_left
    return InterviewConfig(
        interview_id="11111111-2222-3333-4444-555555555555",
        room="interview-11111111-2222-3333-4444-555555555555",
        status="active",
        research_goals="Understand how people plan their week.",
        interview_guide=guide,
        topics=topics,
        language=language,
        voice="alloy",
        duration_minutes=duration_minutes,
        started_at=now - timedelta(minutes=duration_minutes - minutes_left),
        ends_at=now + timedelta(minutes=minutes_left),
        turns=turns,
    )


@pytest.fixture
def config() -> InterviewConfig:
    return make_config()
