"""Keeps an agent in every interview that still has time.

Self-hosted LiveKit does not re-dispatch a job whose worker died, so the control plane does, on four signals:
- the first join dispatches the first agent;
- each worker renews a lease on the interviews it runs twice a second (`POST /api/agent/heartbeat`, see
  `agent.heartbeat`). A lease that lapses for `LEASE` seconds means the worker or the job died: the dead agent is
  taken out of the room (LiveKit would keep it listed for about 15 s, until its ICE timeout) and another is sent at
  once, so a crash costs the respondent a few seconds. This is the fast path;
- LiveKit's `participant_left` webhook for an agent (deduplicated by event id). For a killed worker it arrives only
  after that ICE timeout, so it is a second line, not the first;
- a periodic reconciliation through the room API that catches lost or reordered events.
Every dispatch is followed up: when no worker takes it (all full, or none running) the interview is marked
`unavailable`, which the respondent's page shows in words, and it is dispatched again every few seconds until a
worker takes it. Every path ends in `ensure_agent` or `replace_lost_agent`, which look at the room as it is now, so
the order in which events arrive does not matter.

Every control-plane replica runs these paths, so a dispatch is first claimed in the database: one conditional UPDATE
of the link's `agent_dispatched_at` (`claim`). Of the replicas (and paths) that find the same interview without an
agent, exactly one wins the claim and dispatches; the others see it was just taken and leave it. A lapsed lease is
claimed the same way, on `agent_state`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from uuid import UUID

from livekit import api

from control_plane import livekit
from control_plane.metrics import REDISPATCHES
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
# A worker renews its leases every 0.5 s; four missed renewals mean it is gone.
LEASE = timedelta(seconds=2)
LEASE_CHECK_SECONDS = 0.5
# How long a dispatch may wait for a worker to take it, and how often one nobody took is sent again.
TAKE_TIMEOUT = 6.0
RETRY_UNTAKEN_SECONDS = 5.0


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
    def __init__(
        self, settings: Settings, take_timeout: float = TAKE_TIMEOUT, retry_untaken: float = RETRY_UNTAKEN_SECONDS
    ) -> None:
        self.settings = settings
        self.take_timeout = take_timeout
        self.retry_untaken = retry_untaken
        self.tasks: set[asyncio.Task] = set()
        self._checking: set[str] = set()
        self._closing = asyncio.Event()

    async def _wait(self, seconds: float) -> bool:
        """Sleep, unless the dispatcher closes meanwhile; answer whether it is closing (stop between queries, never
        in the middle of one: a cancelled SQLite write can leave the database locked)."""
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            pass
        return self._closing.is_set()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def dispatch(self, link_id: UUID | str) -> None:
        """Send the first agent into a just-started interview, in the background."""
        if not self.settings.dispatch_agents:
            log.info("interview %s: agent dispatch is off (DISPATCH_AGENTS=false)", link_id)
            return
        self._spawn(self._dispatch(str(link_id), follow=True))

    async def _dispatch(self, link_id: str, gap: timedelta = JOIN_GRACE, follow: bool = False) -> bool:
        """Claim the interview's dispatch, then dispatch; a dispatch claimed by another caller is left to it."""
        if not await claim(link_id, gap):
            log.info("interview %s: an agent was just dispatched by another replica or path", link_id)
            return False
        dispatch_id = await livekit.dispatch_with_retries(self.settings, link_id)
        if not dispatch_id:
            return False
        await Link.update({Link.agent_state: "dispatched"}).where(
            (Link.id == UUID(link_id)) & Link.agent_state.is_in(["", "unavailable"])
        )
        if follow:
            self._spawn(self._follow(link_id, dispatch_id))
        return True

    async def _follow(self, link_id: str, dispatch_id: str) -> None:
        """Watch a dispatch until a worker takes it; if none does, say so on the interview and send it again."""
        while True:
            deadline = asyncio.get_running_loop().time() + self.take_timeout
            taken = False
            while not taken and asyncio.get_running_loop().time() < deadline:
                if await self._wait(min(0.5, self.take_timeout)):
                    return
                try:
                    taken = await livekit.dispatch_taken(self.settings, link_id, dispatch_id)
                except Exception as exc:  # noqa: BLE001 - LiveKit away: the reconciler is the backstop
                    log.warning("interview %s: cannot check the dispatch: %s", link_id, exc)
                    return
            if taken:
                return
            still = (
                await Link.update({Link.agent_state: "unavailable"})
                .where(
                    (Link.id == UUID(link_id))
                    & (Link.status == LinkStatus.active.value)
                    & Link.agent_state.is_in(["dispatched", "lost"])
                )
                .returning(Link.id)
            )
            if not still:
                return  # over, or an agent arrived another way
            log.warning("interview %s: no worker is free to take it; trying again", link_id)
            if await self._wait(self.retry_untaken):
                return
            row = await Link.select(Link.status, Link.agent_state).where(Link.id == UUID(link_id)).first()
            if row is None or row["status"] != LinkStatus.active.value or row["agent_state"] != "unavailable":
                return
            dispatch_id = await livekit.dispatch_with_retries(self.settings, link_id)
            if not dispatch_id:
                return
            REDISPATCHES.labels("untaken").inc()
            await Link.update({Link.agent_dispatched_at: utcnow()}).where(Link.id == UUID(link_id))

    def interview_ended(self, link_id: UUID | str) -> None:
        """Close the room of a completed interview, in the background."""
        if self.settings.dispatch_agents:
            self._spawn(livekit.close_room(self.settings, link_id))

    def agent_left(self, link_id: str) -> None:
        """LiveKit says an agent left. A worker that died shows here only after LiveKit's ICE timeout (about 15 s),
        by when the lease has usually brought another; an agent dispatched moments ago is on its way."""
        if self.settings.dispatch_agents:
            self._spawn(self.ensure_agent(link_id, ignore_grace=True))

    async def ensure_agent(self, link_id: str, ignore_grace: bool = False) -> bool:
        """Dispatch an agent if the interview is active, has time left, and its room has no agent. One check per
        interview at a time: a second caller meanwhile is answered False."""
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
        sent = await self._dispatch(link_id, REDISPATCH_GAP if ignore_grace else JOIN_GRACE, follow=True)
        if sent:
            REDISPATCHES.labels("no_agent").inc()
        return sent

    async def room_has_agent(self, link_id: str) -> bool:
        async with livekit.api_client(self.settings) as lk:
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

    async def check_leases(self) -> int:
        """Replace the agent of every active interview whose lease lapsed; answer how many were replaced."""
        if not self.settings.dispatch_agents:
            return 0
        now = utcnow()
        rows = await Link.select(Link.id, Link.agent_seen_at).where(
            (Link.status == LinkStatus.active.value)
            & (Link.agent_state == "present")
            & (Link.agent_seen_at < now - LEASE)
            & (Link.ends_at > now + MIN_TIME_LEFT)
        )
        replaced = 0
        for row in rows:
            # claim it: of several replicas (or a heartbeat arriving now) only one update matches
            claimed = (
                await Link.update({Link.agent_state: "lost"})
                .where(
                    (Link.id == row["id"])
                    & (Link.agent_state == "present")
                    & (Link.agent_seen_at == row["agent_seen_at"])
                )
                .returning(Link.id)
            )
            if claimed:
                replaced += 1
                self._spawn(self.replace_lost_agent(str(row["id"]), now - aware(row["agent_seen_at"])))
        return replaced

    async def replace_lost_agent(self, link_id: str, silent_for: timedelta) -> bool:
        log.warning(
            "interview %s: its agent's worker has not renewed the lease for %.1f s; replacing the agent",
            link_id,
            silent_for.total_seconds(),
        )
        # stamp the dispatch first, so that no reconciler (here or in another replica) sends a second agent into the
        # room while the lost one is taken out
        await claim(link_id, timedelta(0))
        try:
            removed = await livekit.remove_agents(self.settings, link_id)
        except Exception as exc:  # noqa: BLE001 - LiveKit away: dispatch anyway, the reconciler checks later
            log.warning("interview %s: could not remove the lost agent: %s", link_id, exc)
            removed = 0
        if removed:
            log.info("interview %s: removed %d lost agent(s) from the room", link_id, removed)
        dispatch_id = await livekit.dispatch_with_retries(self.settings, link_id)
        if not dispatch_id:
            return False
        REDISPATCHES.labels("lease_lapsed").inc()
        self._spawn(self._follow(link_id, dispatch_id))  # a replacement nobody takes: no worker is free
        return True

    async def close(self) -> None:
        self._closing.set()
        if self.tasks:  # let the followers stop between queries; cancel what is still running after that
            await asyncio.wait(list(self.tasks), timeout=3)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
