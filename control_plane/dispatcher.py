"""Keeps an agent in every interview that still has time.

Self-hosted LiveKit does not re-dispatch a job whose worker died, so the control plane does: on the first join, on a
LiveKit webhook saying an agent left (deduplicated by event id), and in a periodic reconciliation through the room
API that catches lost or reordered events. Every path ends in `ensure_agent`, which looks at the room as it is now,
so the order in which events arrive does not matter.

Every control-plane replica runs these paths, so a dispatch is first claimed in the database: one conditional UPDATE
of the link's `agent_dispatched_at` (`claim`). Of the replicas (and paths) that find the same interview without an
agent, exactly one wins the claim and dispatches; the others see it was just taken and leave it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from uuid import UUID

from livekit import api

from control_plane import livekit
from control_plane.settings import Settings
from control_plane.tables import Link, LinkStatus
from control_plane.timeutil import aware, utcnow

log = logging.getLogger("control_plane.dispatcher")

# A dispatched agent needs a few seconds to be assigned and to join; do not send a second one meanwhile.
JOIN_GRACE = timedelta(seconds=20)
# Not worth sending an agent for the last seconds of an interview.
MIN_TIME_LEFT = timedelta(seconds=15)
# An agent that left is replaced at once, but never twice within this window, whichever replica hears of it.
REDISPATCH_GAP = timedelta(seconds=5)


async def claim(link_id: UUID | str, gap: timedelta) -> bool:
    """Take the right to send an agent into an active interview: answer True to exactly one caller among those that
    find no dispatch in the last `gap` (none at all, for the first one), in this process or any other replica."""
    now = utcnow()
    claimed = (
        await Link.update({Link.agent_dispatched_at: now})
        .where(
            (Link.id == UUID(str(link_id)))
            & (Link.status == LinkStatus.active.value)
            & (Link.agent_dispatched_at.is_null() | (Link.agent_dispatched_at <= now - gap))
        )
        .returning(Link.id)
    )
    return bool(claimed)


class Dispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tasks: set[asyncio.Task] = set()
        self._checking: set[str] = set()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def dispatch(self, link_id: UUID | str) -> None:
        """Send the first agent into a just-started interview, in the background."""
        if not self.settings.dispatch_agents:
            log.info("interview %s: agent dispatch is off (DISPATCH_AGENTS=false)", link_id)
            return
        self._spawn(self._dispatch(str(link_id)))

    async def _dispatch(self, link_id: str, gap: timedelta = JOIN_GRACE) -> bool:
        """Claim the interview's dispatch, then dispatch; a dispatch claimed by another caller is left to it."""
        if not await claim(link_id, gap):
            log.info("interview %s: an agent was just dispatched by another replica or path", link_id)
            return False
        return await livekit.dispatch_with_retries(self.settings, link_id)

    def interview_ended(self, link_id: UUID | str) -> None:
        """Close the room of a completed interview, in the background."""
        if self.settings.dispatch_agents:
            self._spawn(livekit.close_room(self.settings, link_id))

    def agent_left(self, link_id: str) -> None:
        if self.settings.dispatch_agents:
            self._spawn(self.ensure_agent(link_id, ignore_grace=True))

    async def ensure_agent(self, link_id: str, ignore_grace: bool = False) -> bool:
        """Dispatch an agent if the interview is active, has time left, and its room has no agent. One check per
        interview at a time in this process (a second caller meanwhile is answered False); across replicas the
        database claim decides."""
        if link_id in self._checking:
            return False
        self._checking.add(link_id)
        try:
            return await self._ensure_agent(link_id, ignore_grace)
        finally:
            self._checking.discard(link_id)

    async def _ensure_agent(self, link_id: str, ignore_grace: bool) -> bool:
        row = (
            await Link.select(Link.status, Link.ends_at, Link.agent_dispatched_at)
            .where(Link.id == UUID(link_id))
            .first()
        )
        now = utcnow()
        if row is None or row["status"] != LinkStatus.active.value:
            return False
        if aware(row["ends_at"]) - now < MIN_TIME_LEFT:
            return False
        dispatched = aware(row["agent_dispatched_at"])
        if not ignore_grace and dispatched and now - dispatched < JOIN_GRACE:
            return False
        if await self.room_has_agent(link_id):
            return False
        log.info("interview %s: no agent in the room, dispatching one", link_id)
        return await self._dispatch(link_id, REDISPATCH_GAP if ignore_grace else JOIN_GRACE)

    async def room_has_agent(self, link_id: str) -> bool:
        async with api.LiveKitAPI(
            self.settings.livekit_http_url, self.settings.livekit_api_key, self.settings.livekit_api_secret
        ) as lk:
            room = livekit.room_name(link_id)
            if not (await lk.room.list_rooms(api.ListRoomsRequest(names=[room]))).rooms:
                return False  # asking a room that does not exist for its participants is an error
            answer = await lk.room.list_participants(api.ListParticipantsRequest(room=room))
        return any(p.kind == api.ParticipantInfo.Kind.AGENT for p in answer.participants)

    async def reconcile(self) -> int:
        """Check every active interview with time left; answer how many got a new agent."""
        if not self.settings.dispatch_agents:
            return 0
        rows = await Link.select(Link.id).where(
            (Link.status == LinkStatus.active.value) & (Link.ends_at > utcnow() + MIN_TIME_LEFT)
        )
        sent = 0
        for row in rows:
            try:
                sent += await self.ensure_agent(str(row["id"]))
            except Exception as exc:  # noqa: BLE001 - LiveKit unreachable now; the next round retries
                log.warning("interview %s: reconciliation failed: %s", row["id"], exc)
        return sent

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
