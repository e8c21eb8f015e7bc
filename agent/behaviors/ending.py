"""close_once: the one way an interview ends, whoever ends it.

The clock at the limit, the presence check after a long silence, the interviewer's own `end_interview` (the guide is
covered, the respondent wants to stop), and a respondent who never came back all end the interview here. The first
to begin wins: the goodbye is said once (or not at all, for a respondent who left), nothing else is said after it,
the question outcomes and the turns reach the control plane, then the interview is completed there with its reason
and the session closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from livekit.agents import AgentSession

from agent.prompts import cue

log = logging.getLogger("agent.ending")

# The interviewer's reasons (the end_interview tool's) as the control plane's completion reasons.
COMPLETION_REASONS = {
    "guide_covered": "agent_end",
    "respondent_silent": "agent_end",
    "respondent_wants_to_stop": "respondent",
    "time_is_up": "timer",
    "timer": "timer",
    "left": "left",
    "agent_end": "agent_end",
}
NOTES = {
    "respondent_silent": "The respondent stayed silent after the interviewer checked in.",
    "respondent_wants_to_stop": "The respondent asked to end the interview.",
}


class Ending:
    def __init__(
        self,
        session: AgentSession,
        complete: Callable[[str, str], Awaitable[object]],
        interview_id: str,
    ) -> None:
        self.session = session
        self._complete = complete
        self.interview_id = interview_id
        self.reason: str | None = None
        self.note = ""
        self.goodbye_started = False
        self.done = asyncio.Event()
        self._finishing = False

    @property
    def begun(self) -> bool:
        return self.reason is not None

    def begin(self, reason: str, note: str = "") -> bool:
        """Claim the ending; answer False when someone else already has it."""
        if self.reason is not None:
            return False
        self.reason = reason
        self.note = (note or NOTES.get(reason, "")).strip()[:500]
        log.info("interview %s: ending (%s)", self.interview_id, reason)
        return True

    async def close(self, reason: str, moment: str = "closing") -> None:
        """Say goodbye for `moment` (a cue), then end. Does nothing when the interview is already ending."""
        if not self.begin(reason):
            return
        self.goodbye_started = True
        try:
            await self.session.interrupt(force=True)
            handle = self.session.generate_reply(
                instructions=cue(moment), allow_interruptions=False, tool_choice="none"
            )
            await handle.wait_for_playout()
        except RuntimeError:
            log.info("interview %s: the session closed before the goodbye", self.interview_id)
        await self.finish()

    async def finish(self, reason: str | None = None, note: str = "") -> None:
        """After the goodbye (or without one, for a respondent who left): complete the interview, close the session."""
        if reason is not None:
            self.begin(reason, note)
        if self._finishing:
            await self.done.wait()
            return
        self._finishing = True
        try:
            await self._complete(COMPLETION_REASONS.get(self.reason or "agent_end", "agent_end"), self.note)
        finally:
            self.done.set()
            self.session.shutdown(drain=True)
