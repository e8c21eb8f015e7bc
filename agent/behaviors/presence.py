"""The respondent's presence: check_in_when_respondent_is_quiet and end_when_respondent_is_gone_for_good.

A respondent silent for long (both sides listening, `quiet_seconds` on the interview's clock) is asked whether they
are still there; silent again, the interview closes with a goodbye. Nothing of this happens once the interview is
ending. A respondent who drops out has a grace period to come back (a reloaded tab, a lost network) before the
interview ends as left.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from livekit import rtc
from livekit.agents import AgentSession, ConversationItemAddedEvent

from agent.behaviors.ending import Ending
from agent.prompts import cue
from agent.timing import Clock

log = logging.getLogger("agent.presence")


def check_in_when_respondent_is_quiet(
    session: AgentSession, ending: Ending, clock: Clock, quiet_seconds: float, interview_id: str
) -> None:
    checked_in = False
    timer: asyncio.Task | None = None
    closing: set[asyncio.Task] = set()

    def _cancel() -> None:
        nonlocal timer
        if timer is not None:
            timer.cancel()
            timer = None

    async def _quiet_for_long() -> None:
        nonlocal checked_in
        await clock.sleep_until(clock.now() + timedelta(seconds=quiet_seconds))
        if ending.begun:
            return
        if not checked_in:
            checked_in = True
            log.info("interview %s: respondent quiet, checking in", interview_id)
            session.generate_reply(instructions=cue("check_in"))
        else:
            log.info("interview %s: respondent still quiet, closing", interview_id)
            # Its own task: the goodbye changes the agent's state, which cancels this timer.
            task = asyncio.get_running_loop().create_task(ending.close("respondent_silent", "closing_quiet"))
            closing.add(task)
            task.add_done_callback(closing.discard)

    def _rearm(*_: object) -> None:
        nonlocal timer
        _cancel()
        if session.user_state == "listening" and session.agent_state == "listening" and not ending.begun:
            timer = asyncio.get_running_loop().create_task(_quiet_for_long())

    def _heard(event: ConversationItemAddedEvent) -> None:
        nonlocal checked_in
        if getattr(event.item, "role", None) == "user":
            checked_in = False

    session.on("user_state_changed", _rearm)
    session.on("agent_state_changed", _rearm)
    session.on("conversation_item_added", _heard)
    session.on("close", lambda _: _cancel())


def end_when_respondent_is_gone_for_good(
    room: rtc.Room,
    identity: str,
    grace_seconds: float,
    ending: Ending,
    interview_id: str,
) -> None:
    timer: asyncio.TimerHandle | None = None

    def _gone() -> None:
        log.info("interview %s: respondent did not come back within %.0f s", interview_id, grace_seconds)
        asyncio.get_running_loop().create_task(ending.finish("left"))

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
