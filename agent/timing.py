"""The interview's clock and its budget: one `Clock` for everything that reads the time, and the pace it allows.

Everything in the worker that asks what time it is or waits for a moment (the conductor, the clock and presence
behaviours, the model's per-turn context) takes a `Clock`, so that tests drive a simulated one. The budget is the
one rule of pacing: the time left, less the closing, shared among the guide questions still open; the last stretch
before the limit is the wrap-up, whose length grows with the interview's duration.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

# Seconds kept at the end for the thank-you and goodbye.
CLOSING_SECONDS = 10.0
# The least time worth starting another question with.
MIN_QUESTION_SECONDS = 20.0
# Interviews up to this long get a short greeting.
SHORT_INTERVIEW_MINUTES = 3


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep_until(self, moment: datetime) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, moment: datetime) -> None:
        delay = (moment - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


async def sleep_for(clock: Clock, seconds: float) -> None:
    await clock.sleep_until(clock.now() + timedelta(seconds=seconds))


def wrap_up_seconds(duration_minutes: int) -> float:
    """How long before the limit the interviewer says time is nearly up: a fifth of the interview, 20 to 60 s."""
    return min(60.0, max(20.0, duration_minutes * 60 * 0.2))


@dataclass(frozen=True)
class Pace:
    now: datetime
    ends_at: datetime
    left: float  # seconds to the limit
    open_questions: int
    share: float  # seconds each open question may still take
    phase: str  # "run", "wrap_up" (say time is nearly up, last question) or "over" (close now)
    spent: float = 0.0  # seconds since the current question was asked

    @property
    def room_for_another(self) -> bool:
        return self.left - CLOSING_SECONDS >= MIN_QUESTION_SECONDS

    @property
    def overrun(self) -> bool:
        """The current question has taken well over its share, and others are waiting."""
        return self.open_questions > 1 and self.spent > 1.6 * max(self.share, MIN_QUESTION_SECONDS)


def pace(
    now: datetime, ends_at: datetime, duration_minutes: int, open_questions: int, asked_at: datetime | None = None
) -> Pace:
    left = (ends_at - now).total_seconds()
    usable = max(0.0, left - CLOSING_SECONDS)
    share = usable / max(1, open_questions)
    phase = "over" if left <= CLOSING_SECONDS else "wrap_up" if left <= wrap_up_seconds(duration_minutes) else "run"
    spent = (now - asked_at).total_seconds() if asked_at else 0.0
    return Pace(now, ends_at, left, open_questions, share, phase, spent)


def spoken(seconds: float, language: str = "en") -> str:
    """A duration as words for the model: "1 min 20 s", "45 s"."""
    seconds = max(0, int(round(seconds)))
    if seconds >= 60:
        return (
            f"{seconds // 60} min {seconds % 60:02d} s"
            if language != "ru"
            else f"{seconds // 60} мин {seconds % 60:02d} с"
        )
    return f"{seconds} s" if language != "ru" else f"{seconds} с"
