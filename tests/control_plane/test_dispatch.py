"""Agents are dispatched into interview rooms, and again when an interview is left without one.

These run against a real LiveKit server; no worker runs, so a dispatched job stays unassigned and the room has no
agent, which is exactly the state the reconciler must repair.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import timedelta

from livekit import api

from control_plane.dispatcher import JOIN_GRACE, Dispatcher
from control_plane.livekit import agent_key, room_name
from control_plane.tables import Link, WebhookEvent
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import token_of


def live_settings(settings, livekit_server):
    return replace(settings, dispatch_agents=True, livekit_url=livekit_server.livekit_url)


async def dispatches(settings, link_id) -> list:
    """The room's dispatches of our agent (LiveKit adds an unnamed automatic one of its own)."""
    async with api.LiveKitAPI(settings.livekit_http_url, settings.livekit_api_key, settings.livekit_api_secret) as lk:
        if not (await lk.room.list_rooms(api.ListRoomsRequest(names=[room_name(link_id)]))).rooms:
            return []
        found = await lk.agent_dispatch.list_dispatch(room_name(link_id))
    return [d for d in found if d.agent_name == "interviewer"]


async def started_link(researcher, client) -> dict:
    link = await researcher.link()
    r = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    assert r.status_code == 200
    return link


async def test_dispatch_sends_the_interviewer_with_a_scoped_key(researcher, client, settings, livekit_server):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)
    dispatcher = Dispatcher(live)
    assert await dispatcher._dispatch(link["id"])
    [dispatch] = await dispatches(live, link["id"])
    assert dispatch.agent_name == "interviewer"
    assert json.loads(dispatch.metadata) == {"interview_id": link["id"], "agent_key": agent_key(live, link["id"])}
    row = await Link.select(Link.agent_dispatched_at).where(Link.id == link["id"]).first()
    assert row["agent_dispatched_at"] is not None


async def test_reconciler_dispatches_into_an_interview_whose_first_dispatch_failed(
    researcher, client, settings, livekit_server
):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)  # dispatch is off in this app: as if LiveKit had been down
    assert await dispatches(live, link["id"]) == []
    assert await Dispatcher(live).ensure_agent(link["id"])
    assert len(await dispatches(live, link["id"])) == 1


async def test_reconciler_redispatches_when_the_room_has_no_agent(researcher, client, settings, livekit_server):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)
    dispatcher = Dispatcher(live)
    assert await dispatcher._dispatch(link["id"])
    assert not await dispatcher.ensure_agent(link["id"])  # just dispatched: give it time to join
    await Link.update({Link.agent_dispatched_at: utcnow() - JOIN_GRACE - timedelta(seconds=1)}).where(
        Link.id == link["id"]
    )
    assert await dispatcher.reconcile() >= 1
    assert len(await dispatches(live, link["id"])) == 2


async def test_no_agent_is_sent_to_a_finished_interview(researcher, client, settings, livekit_server):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    assert not await Dispatcher(live).ensure_agent(link["id"], ignore_grace=True)
    assert await dispatches(live, link["id"]) == []


def signed(settings, body: str) -> str:
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    return api.AccessToken(settings.livekit_api_key, settings.livekit_api_secret).with_sha256(digest).to_jwt()


async def test_webhooks_are_verified_and_handled_once(client, settings):
    body = json.dumps({"event": "participant_left", "id": "EV_test_once", "room": {"name": "interview-x"}})
    unsigned = await client.post("/api/livekit/webhook", content=body, headers={"Authorization": "forged"})
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "unauthorized"
    headers = {"Authorization": signed(settings, body), "Content-Type": "application/webhook+json"}
    first = await client.post("/api/livekit/webhook", content=body, headers=headers)
    again = await client.post("/api/livekit/webhook", content=body, headers=headers)
    assert (first.json(), again.json()) == ({"handled": True}, {"handled": False, "reason": "duplicate"})
    assert await WebhookEvent.count().where(WebhookEvent.id == "EV_test_once") == 1
