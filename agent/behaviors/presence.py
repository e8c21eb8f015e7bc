"""The respondent's presence: check_in_when_respondent_is_quiet and end_when_respondent_is_gone_for_good.

A respondent silent for long is asked whether they are still there; silent again, the interview ends. A respondent
who drops out has a grace period to come back (a reloaded tab, a lost network) before the interview ends as left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from livekit import rtc
from livekit.agents import AgentSession, UserStateChangedEvent

from agent.prompts import cue

log = logging.getLogger("agent.presence")


def check_in_when_respondent_is_quiet(
    session: AgentSession, end: Callable[[str], Awaitable[None]], interview_id: str
) -> None:
    checked_in = False

    @session.on("user_state_changed")
    def _on_state(event: UserStateChangedEvent) -> None:
        nonlocal checked_in
        if event.new_state == "speaking":
            checked_in = False
        if event.new_state != "away":
            return
        if not checked_in:
            checked_in = True
            log.info("interview %s: respondent quiet, checking in", interview_id)
            session.generate_reply(instructions=cue("check_in"))
            # "away" is only announced on a change: back to listening, so a second silence is noticed too.
            session.reset_away_timer()
        else:
            log.info("interview %s: respondent still quiet, closing", interview_id)
            asyncio.get_running_loop().create_task(_close(session, end))


async def _close(session: AgentSession, end: Callable[[str], Awaitable[None]]) -> None:
    handle = session.generate_reply(instructions=cue("closing"), allow_interruptions=False, tool_choice="none")
    await handle.wait_for_playout()
    await end("agent_end")


def end_when_respondent_is_gone_for_good(
    room: rtc.Room,
    identity: str,
    grace_seconds: float,
    end: Callable[[str], Awaitable[None]],
    interview_id: str,
) -> None:
    timer: asyncio.TimerHandle | None = None

    def _gone() -> None:
        log.info("interview %s: respondent did not come back within %.0f s", interview_id, grace_seconds)
        asyncio.get_running_loop().create_task(end("left"))

    @room.on("participant_disconnected")
    def _left(participant: rtc.RemoteParticipant) -> None:
        nonlocal timer
        if participant.identity == identity and timer is None:
            log.info("interview %s: respondent disconnected, waiting for a rejoin", interview_id)
            timer = asyncio.get_running_loop().call_later(grace_seconds, _gone)

    @room.on("participant_connected")
    def _back(participant: rtc.RemoteParticipant) -> None:
        nonlocal timer
        if participant.identity == identity and timer is not None:
            log.info("interview %s: respondent rejoined", interview_id)
            timer.cancel()
            timer = None
