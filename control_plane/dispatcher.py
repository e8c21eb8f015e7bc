"""Sends agents into interview rooms in the background, so a respondent's join never waits on LiveKit.

A dispatch that fails is retried a few times here; an interview left without an agent is found again by the
reconciler, which dispatches anew while the interview still has time.
"""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

from control_plane import livekit
from control_plane.settings import Settings
from control_plane.tables import Link
from control_plane.timeutil import utcnow

log = logging.getLogger("control_plane.dispatcher")


class Dispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tasks: set[asyncio.Task] = set()

    def dispatch(self, link_id: UUID | str) -> None:
        if not self.settings.dispatch_agents:
            log.info("interview %s: agent dispatch is off (DISPATCH_AGENTS=false)", link_id)
            return
        task = asyncio.get_running_loop().create_task(self._dispatch(link_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _dispatch(self, link_id: UUID | str) -> None:
        if await livekit.dispatch_with_retries(self.settings, link_id):
            await Link.update({Link.agent_dispatched_at: utcnow()}).where(Link.id == UUID(str(link_id)))

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
