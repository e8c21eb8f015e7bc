"""The workers' leases on their interviews: `POST /api/agent/heartbeat`, twice a second from each worker.

One request carries every interview the worker runs, each with the agent key its dispatch carried (the same key
that opens `/api/agent/interviews/{id}`). A valid pair renews that interview's lease; a wrong key or an interview
that is no longer in progress renews nothing and is named in the answer, so a worker can tell. The dispatcher
replaces the agent of a lease that lapses (`control_plane.dispatcher.Dispatcher.check_leases`).

A worker is listed for operators by the interviews whose leases it renews, or, while it holds none, by a proof that
it knows the LiveKit API secret (every worker needs it to register with LiveKit), so nobody else can list one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from uuid import UUID

from litestar import post

from control_plane import livekit
from control_plane.auth import same_secret
from control_plane.errors import BODY, documented
from control_plane.interviews.schemas import Heartbeat, Held, Leases
from control_plane.settings import Settings
from control_plane.tables import Link, LinkStatus, Worker
from control_plane.timeutil import utcnow


def valid_ids(settings: Settings, held: list[Held]) -> list[UUID]:
    ids = []
    for item in held:
        try:
            link_id = UUID(item.interview_id)
        except ValueError:
            continue
        if same_secret(item.agent_key, livekit.agent_key(settings, link_id)):
            ids.append(link_id)
    return ids


async def renew(ids: list[UUID]) -> list[str]:
    """Renew the leases of the interviews still in progress; answer their ids."""
    if not ids:
        return []
    rows = (
        await Link.update({Link.agent_seen_at: utcnow(), Link.agent_state: "present"})
        .where(Link.id.is_in(ids) & (Link.status == LinkStatus.active.value))
        .returning(Link.id)
    )
    return [str(r["id"]) for r in rows]


# How far a worker's clock and the moment of its proof may be from ours.
PROOF_SECONDS = 60


def worker_proof(secret: str, worker: str, at: int) -> str:
    return hmac.new(secret.encode(), f"worker:{worker}:{at}".encode(), hashlib.sha256).hexdigest()


def proven(settings: Settings, data: Heartbeat) -> bool:
    """The heartbeat's worker knows the LiveKit API secret, and said so within the last minute."""
    if not (data.worker and data.proof) or abs(time.time() - data.at) > PROOF_SECONDS:
        return False
    return same_secret(data.proof, worker_proof(settings.livekit_api_secret, data.worker, data.at))


async def seen(worker: str, renewed: list[str]) -> None:
    """Note a worker by the interviews whose leases it just renewed (so only a worker holding a valid agent key of a
    running interview is ever listed)."""
    row = Worker(id=worker, interviews=json.dumps(sorted(renewed)), seen_at=utcnow())
    await Worker.insert(row).on_conflict(
        target=Worker.id, action="DO UPDATE", values=[Worker.interviews, Worker.seen_at]
    )


@post("/api/agent/heartbeat", status_code=200, responses=documented(*BODY))
async def heartbeat(data: Heartbeat, settings: Settings) -> Leases:
    """Renew the leases of the interviews a worker runs; each is named by id with its own agent key. An idle worker
    sends none, with the proof that lists it for operators."""
    renewed = await renew(valid_ids(settings, data.interviews))
    if data.worker and (renewed or proven(settings, data)):
        await seen(data.worker, renewed)
    asked = {item.interview_id for item in data.interviews}
    return Leases(renewed=renewed, not_renewed=sorted(asked - set(renewed)))


routes = [heartbeat]
