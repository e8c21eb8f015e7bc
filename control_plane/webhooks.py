"""LiveKit's webhooks: verified with the API secret, each event handled once (its id is stored).

Only one event matters today: an agent leaving an interview's room, which may mean its worker died. The handler does
not trust the event's order or completeness; it asks the dispatcher to look at the room as it is now.

What LiveKit (1.13) sends when a worker is killed: nothing when its worker connection drops (no event exists for
that), and `participant_left` for its agent only when the agent's peer connection times out, 15 s later (ICE:
10 s disconnected + 5 s failed; `participant_connection_aborted` instead if it never connected). So this is the
second line: the workers' leases (`control_plane.leases`) bring a new agent first, and the removal of the dead one
from the room is what then arrives here.
"""

from __future__ import annotations

import logging

from litestar import Request, post
from livekit import api

from control_plane.errors import Unauthorized, documented
from control_plane.settings import Settings
from control_plane.tables import WebhookEvent

log = logging.getLogger("control_plane.webhooks")
ROOM_PREFIX = "interview-"


async def first_time(event_id: str, kind: str) -> bool:
    """Record the event; answer False when it was seen before."""
    if not event_id:
        return True
    inserted = (
        await WebhookEvent.insert(WebhookEvent(id=event_id, kind=kind))
        .on_conflict(action="DO NOTHING")
        .returning(WebhookEvent.id)
    )
    return bool(inserted)


@post("/api/livekit/webhook", status_code=200, responses=documented(Unauthorized))
async def livekit_webhook(request: Request, settings: Settings) -> dict:
    body = (await request.body()).decode(errors="replace")  # not UTF-8: the signature check refuses it
    receiver = api.WebhookReceiver(api.TokenVerifier(settings.livekit_api_key, settings.livekit_api_secret))
    try:
        event = receiver.receive(body, request.headers.get("authorization", ""))
    except Exception:  # noqa: BLE001 - any verification failure is the same answer to the caller
        raise Unauthorized("The webhook signature is not valid.") from None
    if not await first_time(event.id, event.event):
        return {"handled": False, "reason": "duplicate"}
    room = event.room.name
    if (
        event.event == "participant_left"
        and event.participant.kind == api.ParticipantInfo.Kind.AGENT
        and room.startswith(ROOM_PREFIX)
    ):
        link_id = room.removeprefix(ROOM_PREFIX)
        log.info("interview %s: the agent left the room", link_id)
        request.app.state.dispatcher.agent_left(link_id)
    return {"handled": True}


routes = [livekit_webhook]
