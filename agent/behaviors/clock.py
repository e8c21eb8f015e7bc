"""The interview's clock: warn_before_time_runs_out, then close_at_time_limit.

A minute before `ends_at` the agent says time is nearly up and asks its last question; a few seconds before, it
thanks the respondent, says goodbye and ends the interview with the reason `timer`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from livekit.agents import AgentSession

from agent.prompts import cue

log = logging.getLogger("agent.clock")
WARNING_SECONDS = 60
CLOSING_SECONDS = 8


async def _sleep_until(moment: datetime) -> None:
    delay = (moment - datetime.now(UTC)).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)


async def keep_time(
    session: AgentSession,
    ends_at: datetime,
    end: Callable[[str], Awaitable[None]],
    interview_id: str,
    *,
    warning_seconds: float = WARNING_SECONDS,
    closing_seconds: float = CLOSING_SECONDS,
) -> None:
    """Run for the interview's life: the warning (unless its moment has passed), then the closing at the limit."""
    warn_at = ends_at - timedelta(seconds=warning_seconds)
    close_at = ends_at - timedelta(seconds=closing_seconds)
    if datetime.now(UTC) < warn_at:
        await _sleep_until(warn_at)
        log.info("interview %s: little time left", interview_id)
        session.generate_reply(instructions=cue("time_warning"))
    await _sleep_until(close_at)
    log.info("interview %s: time is up, closing", interview_id)
    await session.interrupt(force=True)
    handle = session.generate_reply(instructions=cue("closing"), allow_interruptions=False, tool_choice="none")
    await handle.wait_for_playout()
    await end("timer")
