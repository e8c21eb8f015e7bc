"""The workers' leases on their interviews: `POST /api/agent/heartbeat`, twice a second from each worker.

One request carries every interview the worker runs, each with the agent key its dispatch carried (the same key
that opens `/api/agent/interviews/{id}`). A valid pair renews that interview's lease; a wrong key or an interview
that is no longer in progress renews nothing and is named in the answer, so a worker can tell. The dispatcher
replaces the agent of a lease that lapses (`control_plane.dispatcher.Dispatcher.check_leases`).
"""

from __future__ import annotations

import hmac
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Request, post

from control_plane import livekit
from control_plane.body import read
from control_plane.settings import Settings
from control_plane.tables import Link, LinkStatus
from control_plane.timeutil import utcnow

MAX_HELD = 1000


class Held(msgspec.Struct, forbid_unknown_fields=True):
    interview_id: Annotated[str, msgspec.Meta(max_length=64)]
    agent_key: Annotated[str, msgspec.Meta(max_length=128)]


class Heartbeat(msgspec.Struct, forbid_unknown_fields=True):
    interviews: Annotated[list[Held], msgspec.Meta(max_length=MAX_HELD)]


def valid_ids(settings: Settings, held: list[Held]) -> list[UUID]:
    ids = []
    for item in held:
        try:
            link_id = UUID(item.interview_id)
        except ValueError:
            continue
        if hmac.compare_digest(item.agent_key, livekit.agent_key(settings, link_id)):
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


@post("/api/agent/heartbeat", status_code=200)
async def heartbeat(request: Request, settings: Settings) -> dict:
    data = await read(request, Heartbeat)
    renewed = await renew(valid_ids(settings, data.interviews))
    asked = {item.interview_id for item in data.interviews}
    return {"renewed": renewed, "not_renewed": sorted(asked - set(renewed))}


routes = [heartbeat]
