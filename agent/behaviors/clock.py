"""close_at_time_limit: the interview's clock, as a behaviour.

Pacing itself (each question's share of the time, the wrap-up in place of the next question) is the brain's job
and reaches it on every turn (`agent.interviewer.turn_context`). This behaviour only keeps the limit: shortly
before `ends_at` it has the goodbye said and the interview ended with the reason `timer` — unless the interview is
already ending. It never speaks over the respondent: while they talk it waits, up to the limit; if they are still
talking then, listening stops and their words so far are committed as their turn (so the record keeps the answer
the limit cut), and the goodbye follows.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from livekit.agents import AgentSession

from agent.behaviors.ending import Ending
from agent.timing import CLOSING_SECONDS, Clock

log = logging.getLogger("agent.clock")
# How long past the limit a respondent who is still talking is heard out before the goodbye.
OVERTIME_SECONDS = 5.0
# How long the goodbye waits for the words of a respondent cut by the limit to be transcribed.
COMMIT_SECONDS = 8.0


async def _respondent_heard(session: AgentSession) -> None:
    """Until the respondent's turn in progress reaches the conversation."""
    heard = asyncio.Event()

    def _added(event) -> None:
        if getattr(event.item, "role", None) == "user":
            heard.set()

    session.on("conversation_item_added", _added)
    try:
        await heard.wait()
    finally:
        session.off("conversation_item_added", _added)


async def close_at_time_limit(
    session: AgentSession,
    ending: Ending,
    clock: Clock,
    ends_at: datetime,
    interview_id: str,
    *,
    closing_seconds: float = CLOSING_SECONDS,
    overtime_seconds: float = OVERTIME_SECONDS,
) -> None:
    """Run for the interview's life; at `ends_at - closing_seconds` close it, once."""
    await clock.sleep_until(ends_at - timedelta(seconds=closing_seconds))
    if ending.begun:
        return
    if session.user_state == "speaking":
        log.info("interview %s: time is up, waiting for the respondent to finish", interview_id)
        heard = asyncio.ensure_future(_respondent_heard(session))
        limit = asyncio.ensure_future(clock.sleep_until(ends_at + timedelta(seconds=overtime_seconds)))
        await asyncio.wait({heard, limit}, return_when=asyncio.FIRST_COMPLETED)
        limit.cancel()
        if not heard.done() and not ending.begun and session.input.audio is not None:
            log.info("interview %s: the respondent is still talking at the limit; keeping what they said", interview_id)
            try:
                # The interview is over: stop listening, so that the words so far are flushed and transcribed now
                # (a speech-to-text behind the VAD only transcribes once the speech ends).
                session.input.set_audio_enabled(False)
                session.commit_user_turn(skip_reply=True)
                # The goodbye waits until their words are in the conversation (and so on their way to the record).
                await asyncio.wait_for(asyncio.shield(heard), COMMIT_SECONDS)
            except (TimeoutError, RuntimeError) as exc:
                log.warning("interview %s: could not keep the last words (%s)", interview_id, type(exc).__name__)
        heard.cancel()
    log.info("interview %s: time is up, closing", interview_id)
    await ending.close("timer", "closing")
