"""keep_leases: the worker tells the control plane, twice a second, which interviews it is running.

A worker killed outright (or a job that crashed) says nothing, and LiveKit keeps its agent in the room for about
15 s (its ICE timeout) before the control plane hears `participant_left`. The control plane cannot wait that long
with a respondent in the room, so each worker holds a lease on its interviews: one request for all of them every
half second, each interview with the key its dispatch carried. When a lease lapses, the control plane removes the
dead agent from the room and sends another at once (`control_plane.dispatcher`).

A worker that holds no interview says it is there every IDLE_INTERVAL seconds, with a proof that it knows the LiveKit
API secret, so operators see idle workers too (the operator page lists workers by their heartbeats).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time

import aiohttp
from livekit.agents import AgentServer

from agent.config import ConfigError, DispatchMetadata

log = logging.getLogger("agent.heartbeat")
INTERVAL = 0.5
IDLE_INTERVAL = 5.0


def interviews_of(server: AgentServer) -> list[dict[str, str]]:
    """The interviews this worker's jobs run, with their keys, from each job's dispatch metadata."""
    held = []
    for job in server.active_jobs:
        try:
            meta = DispatchMetadata.parse(job.job.metadata)
        except ConfigError:
            continue
        held.append({"interview_id": meta.interview_id, "agent_key": meta.agent_key})
    return held


def worker_proof(secret: str, worker: str, at: int) -> str:
    """What `control_plane.leases` checks to list an idle worker: it knows the LiveKit API secret."""
    return hmac.new(secret.encode(), f"worker:{worker}:{at}".encode(), hashlib.sha256).hexdigest()


def heartbeat(server: AgentServer, api_secret: str, now: float) -> dict | None:
    """The heartbeat to send now: the interviews held; with none, the worker's proof (None: nothing to send yet)."""
    held = interviews_of(server)
    if held:
        return {"interviews": held, "worker": server.id}
    if not api_secret or not server.id or server.id == "unregistered":
        return None
    at = int(now)
    return {"interviews": [], "worker": server.id, "at": at, "proof": worker_proof(api_secret, server.id, at)}


async def keep_leases(
    server: AgentServer, control_plane_url: str, api_secret: str = "", interval: float = INTERVAL
) -> None:
    """Run for the worker's life: report the interviews it holds every `interval`, and that it is there, holding
    none, every IDLE_INTERVAL."""
    url = f"{control_plane_url.rstrip('/')}/api/agent/heartbeat"
    warned_at = 0.0
    idle_sent = 0.0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while True:
            beat = heartbeat(server, api_secret, time.time())
            idle = beat is not None and not beat["interviews"]
            if beat is not None and (not idle or time.monotonic() - idle_sent >= IDLE_INTERVAL):
                if idle:
                    idle_sent = time.monotonic()
                try:
                    async with http.post(url, json=beat) as r:
                        if r.status >= 400:
                            raise aiohttp.ClientResponseError(r.request_info, (), status=r.status)
                except (TimeoutError, aiohttp.ClientError) as exc:
                    if time.monotonic() - warned_at > 30:  # the control plane may be restarting: say so, not 2/s
                        warned_at = time.monotonic()
                        log.warning(
                            "cannot reach the control plane to renew %d lease(s): %s", len(beat["interviews"]), exc
                        )
            await asyncio.sleep(interval)
