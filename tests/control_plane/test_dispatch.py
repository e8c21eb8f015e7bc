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

import pytest
from livekit import api

from control_plane.dispatcher import JOIN_GRACE, LEASE, Dispatcher
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


@pytest.fixture
async def dispatchers():
    """Dispatchers for a test, closed after it: a dispatch is followed in the background until a worker takes it,
    and no worker runs here."""
    made: list[Dispatcher] = []

    def make(settings, **options) -> Dispatcher:
        made.append(Dispatcher(settings, **options))
        return made[-1]

    yield make
    for dispatcher in made:
        await dispatcher.close()


async def started_link(researcher, client) -> dict:
    link = await researcher.link()
    r = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    assert r.status_code == 200
    return link


async def test_dispatch_sends_the_interviewer_with_a_scoped_key(
    researcher, client, settings, livekit_server, dispatchers
):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)
    dispatcher = dispatchers(live)
    assert await dispatcher._dispatch(link["id"])
    [dispatch] = await dispatches(live, link["id"])
    assert dispatch.agent_name == "interviewer"
    assert json.loads(dispatch.metadata) == {"interview_id": link["id"], "agent_key": agent_key(live, link["id"])}
    row = await Link.select(Link.agent_dispatched_at).where(Link.id == link["id"]).first()
    assert row["agent_dispatched_at"] is not None


async def test_reconciler_dispatches_into_an_interview_whose_first_dispatch_failed(
    researcher, client, settings, livekit_server, dispatchers
):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)  # dispatch is off in this app: as if LiveKit had been down
    assert await dispatches(live, link["id"]) == []
    assert await dispatchers(live).ensure_agent(link["id"])
    assert len(await dispatches(live, link["id"])) == 1


async def test_reconciler_redispatches_when_the_room_has_no_agent(
    researcher, client, settings, livekit_server, dispatchers
):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)
    dispatcher = dispatchers(live)
    assert await dispatcher._dispatch(link["id"])
    assert not await dispatcher.ensure_agent(link["id"])  # just dispatched: give it time to join
    await Link.update({Link.agent_dispatched_at: utcnow() - JOIN_GRACE - timedelta(seconds=1)}).where(
        Link.id == link["id"]
    )
    assert await dispatcher.reconcile() >= 1
    assert len(await dispatches(live, link["id"])) == 2


async def test_no_agent_is_sent_to_a_finished_interview(researcher, client, settings, livekit_server, dispatchers):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    assert not await dispatchers(live).ensure_agent(link["id"], ignore_grace=True)
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


async def heartbeat(client, settings, *pairs: tuple[str, str]):
    body = {"interviews": [{"interview_id": i, "agent_key": k} for i, k in pairs]}
    return await client.post("/api/agent/heartbeat", json=body)


async def test_a_worker_heartbeat_renews_the_leases_it_holds_and_no_other(researcher, client, settings):
    link = await started_link(researcher, client)
    waiting = await researcher.link()  # not started: no lease to hold
    r = await heartbeat(
        client,
        settings,
        (link["id"], agent_key(settings, link["id"])),
        (waiting["id"], agent_key(settings, waiting["id"])),
        (link["id"], "forged"),
        ("not-an-id", "x"),
    )
    assert r.status_code == 200
    assert r.json() == {"renewed": [link["id"]], "not_renewed": sorted([waiting["id"], "not-an-id"])}
    row = await Link.select(Link.agent_seen_at, Link.agent_state).where(Link.id == link["id"]).first()
    assert row["agent_state"] == "present" and row["agent_seen_at"] is not None
    view = (await client.get(f"/api/interview/{token_of(link)}")).json()
    assert view["interviewer"] == "present"


async def test_a_heartbeat_that_is_not_a_list_of_leases_is_refused(client):
    r = await client.post("/api/agent/heartbeat", json={"interviews": "all of them"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"


class AgentInRoom:
    """An `agent`-kind participant in the interview's room, as a worker's job would be."""

    def __init__(self, settings, link_id: str) -> None:
        self.settings, self.link_id = settings, link_id
        self.room = None

    async def __aenter__(self):
        from livekit import rtc

        token = (
            api.AccessToken(self.settings.livekit_api_key, self.settings.livekit_api_secret)
            .with_identity("agent-test")
            .with_kind("agent")
            .with_grants(api.VideoGrants(room_join=True, room=room_name(self.link_id), agent=True))
            .to_jwt()
        )
        self.room = rtc.Room()
        await self.room.connect(self.settings.livekit_url, token)
        return self

    async def __aexit__(self, *exc):
        await self.room.disconnect()


async def agents_in_room(settings, link_id) -> list[str]:
    async with api.LiveKitAPI(settings.livekit_http_url, settings.livekit_api_key, settings.livekit_api_secret) as lk:
        answer = await lk.room.list_participants(api.ListParticipantsRequest(room=room_name(link_id)))
    return [p.identity for p in answer.participants if p.kind == api.ParticipantInfo.Kind.AGENT]


async def test_an_agent_whose_lease_lapses_is_taken_out_of_the_room_and_replaced(
    researcher, client, settings, livekit_server, dispatchers
):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)
    dispatcher = dispatchers(live, take_timeout=30)
    try:
        async with AgentInRoom(live, link["id"]):
            assert await agents_in_room(live, link["id"]) == ["agent-test"]
            await heartbeat(client, settings, (link["id"], agent_key(settings, link["id"])))
            await dispatcher.check_leases()
            row = await Link.select(Link.agent_state).where(Link.id == link["id"]).first()
            assert row["agent_state"] == "present"  # renewed just now: not replaced
            assert len(await dispatches(live, link["id"])) == 0
            # the worker dies: no renewal for longer than the lease
            await Link.update({Link.agent_seen_at: utcnow() - LEASE - timedelta(seconds=1)}).where(
                Link.id == link["id"]
            )
            assert await dispatcher.check_leases() >= 1  # (other tests' interviews may have lapsed too)
            await dispatcher.check_leases()  # claimed once: a second look sends no second agent
            view = (await client.get(f"/api/interview/{token_of(link)}")).json()
            assert view["interviewer"] == "reconnecting"
            await eventually(lambda: dispatches(live, link["id"]), check=lambda found: len(found) == 1)
            assert await agents_in_room(live, link["id"]) == []
    finally:
        await dispatcher.close()


async def test_an_interview_no_worker_takes_is_marked_busy_and_sent_again(
    researcher, client, settings, livekit_server, dispatchers
):
    live = live_settings(settings, livekit_server)
    link = await started_link(researcher, client)
    dispatcher = dispatchers(live, take_timeout=1.0, retry_untaken=0.5)
    try:
        dispatcher.dispatch(link["id"])  # no worker runs in these tests: nobody takes it
        await eventually(
            lambda: client.get(f"/api/interview/{token_of(link)}"),
            check=lambda r: r.json()["interviewer"] == "busy",
        )
        await eventually(lambda: dispatches(live, link["id"]), check=lambda found: len(found) >= 2)
    finally:
        await dispatcher.close()


async def eventually(probe, check=bool, timeout: float = 15.0):
    """Poll `probe` (sync or async) until `check` holds on its answer, failing at the deadline."""
    import asyncio
    import inspect

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        answer = probe()
        if inspect.isawaitable(answer):
            answer = await answer
        if check(answer):
            return answer
        assert asyncio.get_running_loop().time() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.1)
