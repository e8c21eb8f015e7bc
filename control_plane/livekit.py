"""Everything the control plane says to LiveKit: room tokens for respondents, and agent dispatch.

A room token grants joining one room as one identity, for the interview's remaining time plus a margin; it holds
no secret, because the browser can read it. The agent's credential travels in the dispatch metadata instead, which
only the agent sees.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import itertools
import json
import logging
import time
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from livekit import api

from control_plane.metrics import DISPATCHES
from control_plane.settings import Settings
from control_plane.timeutil import utcnow

log = logging.getLogger("control_plane.livekit")

AGENT_NAME = "interviewer"
TOKEN_MARGIN = timedelta(minutes=5)
_joins = itertools.count()


def room_name(link_id: UUID | str) -> str:
    return f"interview-{link_id}"


def respondent_identity(link_id: UUID | str) -> str:
    return f"respondent-{link_id}"


def agent_key(settings: Settings, link_id: UUID | str) -> str:
    """The credential that opens the internal API for this one interview."""
    return hmac.new(settings.secret_key.encode(), f"agent:{link_id}".encode(), hashlib.sha256).hexdigest()


def node_url(settings: Settings) -> str:
    """The LiveKit URL a join answer gives. With several nodes (LIVEKIT_URL lists each node's public URL), each join
    gets the next one in turn: any node takes any room's participants (in multi-node mode LiveKit routes the
    signalling to the node that hosts the room, through Redis), so this spreads the signalling connections, and a
    respondent who rejoins after a node failed is handed another node."""
    urls = settings.livekit_public_urls
    return urls[next(_joins) % len(urls)]


# The room token's JOSE header, the same for every token: HS256, as LiveKit's `AccessToken` signs.
_JWT_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")


@functools.lru_cache(maxsize=4)
def _signer(secret: str) -> hmac.HMAC:
    """HMAC-SHA256 keyed with the API secret once; each token signs with a copy."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def room_token(settings: Settings, link_id: UUID | str, ends_at: datetime) -> str:
    """The respondent's token: join this room as this identity, publish and subscribe, until the interview's end
    plus a margin. The same JWT LiveKit's `api.AccessToken` makes for these grants (a test compares their claims),
    written directly: building it through `AccessToken` (a dataclass walked by `dataclasses.asdict`, PyJWT preparing
    the key again) was about a tenth of a first join's CPU."""
    ttl = max(timedelta(seconds=60), ends_at - utcnow() + TOKEN_MARGIN)
    now = int(time.time())
    claims = {
        "name": "Respondent",
        "video": {
            "roomJoin": True,
            "room": room_name(link_id),
            "canPublish": True,
            "canSubscribe": True,
            "canPublishData": True,
        },
        "sub": respondent_identity(link_id),
        "iss": settings.livekit_api_key,
        "nbf": now,
        "exp": now + int(ttl.total_seconds()),
    }
    signed = _JWT_HEADER + b"." + _b64(msgspec.json.encode(claims))
    mac = _signer(settings.livekit_api_secret).copy()
    mac.update(signed)
    return (signed + b"." + _b64(mac.digest())).decode()


def dispatch_metadata(settings: Settings, link_id: UUID | str) -> str:
    return json.dumps({"interview_id": str(link_id), "agent_key": agent_key(settings, link_id)})


def api_client(settings: Settings) -> api.LiveKitAPI:
    return api.LiveKitAPI(settings.livekit_http_url, settings.livekit_api_key, settings.livekit_api_secret)


async def dispatch_agent(settings: Settings, link_id: UUID | str) -> str | None:
    """Ask LiveKit to send an `interviewer` agent into the interview's room; answer the dispatch's id, or None."""
    try:
        async with api_client(settings) as lk:
            dispatch = await lk.agent_dispatch.create_dispatch(
                api.CreateAgentDispatchRequest(
                    agent_name=AGENT_NAME,
                    room=room_name(link_id),
                    metadata=dispatch_metadata(settings, link_id),
                )
            )
    except Exception as exc:  # noqa: BLE001 - any failure means "not dispatched"; the reconciler retries
        log.warning("interview %s: agent dispatch failed: %s", link_id, exc)
        return None
    DISPATCHES.labels("sent").inc()
    log.info("interview %s: agent dispatched into %s", link_id, room_name(link_id))
    return dispatch.id or "dispatched"


async def dispatch_taken(settings: Settings, link_id: UUID | str, dispatch_id: str) -> bool:
    """Whether a worker took the dispatch: LiveKit lists a job under it once one accepted. When no worker is free
    (all full, or none running) the dispatch stays without a job for good."""
    async with api_client(settings) as lk:
        found = await lk.agent_dispatch.list_dispatch(room_name(link_id))
    return any(d.id == dispatch_id and d.state.jobs for d in found)


async def remove_agents(settings: Settings, link_id: UUID | str) -> int:
    """Take every agent out of the interview's room (one whose worker died stays listed for about 15 s, until
    LiveKit's ICE timeout); answer how many were removed."""
    removed = 0
    async with api_client(settings) as lk:
        room = room_name(link_id)
        if not (await lk.room.list_rooms(api.ListRoomsRequest(names=[room]))).rooms:
            return 0
        answer = await lk.room.list_participants(api.ListParticipantsRequest(room=room))
        for p in answer.participants:
            if p.kind == api.ParticipantInfo.Kind.AGENT:
                try:
                    await lk.room.remove_participant(api.RoomParticipantIdentity(room=room, identity=p.identity))
                    removed += 1
                except Exception as exc:  # noqa: BLE001 - it may have left meanwhile
                    log.info("interview %s: agent %s not removed: %s", link_id, p.identity, exc)
    return removed


async def close_room(settings: Settings, link_id: UUID | str) -> None:
    """End the interview's room: the respondent's page and the agent are disconnected at once."""
    try:
        async with api.LiveKitAPI(
            settings.livekit_http_url, settings.livekit_api_key, settings.livekit_api_secret
        ) as lk:
            await lk.room.delete_room(api.DeleteRoomRequest(room=room_name(link_id)))
        log.info("interview %s: room closed", link_id)
    except Exception as exc:  # noqa: BLE001 - a room that is already gone, or LiveKit away: nothing to undo
        log.info("interview %s: room not closed: %s", link_id, exc)


async def dispatch_with_retries(settings: Settings, link_id: UUID | str, attempts: int = 5) -> str | None:
    delay = 0.5
    for attempt in range(attempts):
        if dispatch_id := await dispatch_agent(settings, link_id):
            return dispatch_id
        if attempt + 1 < attempts:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8)
    DISPATCHES.labels("failed").inc()
    return None
