"""The operator's API: operators only, the fleet as heartbeats and LiveKit tell it, and token grants that happen
once per request however often the form is sent."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid

import pytest
from litestar.testing import AsyncTestClient

from agent.heartbeat import worker_proof
from control_plane.app import create_app
from control_plane.livekit import agent_key
from control_plane.tables import LedgerEntry
from tests.control_plane.conftest import Researcher, new_researcher, token_of

OPERATOR = "operator@example.com"


@pytest.fixture(scope="module")
async def operator_settings(settings):
    # LiveKit is not running here: a closed port, so the overview says it could not ask for rooms
    return dataclasses.replace(settings, operator_emails=frozenset({OPERATOR}), livekit_api_url="http://127.0.0.1:9")


@pytest.fixture
async def plane(operator_settings, client):  # `client` migrates the database first
    async with AsyncTestClient(app=create_app(operator_settings)) as c:
        yield c


_keys: dict[str, str] = {}


@pytest.fixture
async def operator(plane) -> Researcher:
    """The operator account, made once per database; its API key is kept for the next tests."""
    if OPERATOR not in _keys:
        r = await plane.post("/api/auth/signup", json={"email": OPERATOR, "password": "correct horse"})
        assert r.status_code == 201, r.text
        _keys[OPERATOR] = r.json()["api_key"]
        plane.cookies.clear()
    return Researcher(plane, OPERATOR, "", _keys[OPERATOR])


def grant(email: str, amount: int = 100, request_id: str | None = None) -> dict:
    return {"email": email, "amount": amount, "reason": "pilot study", "request_id": request_id or str(uuid.uuid4())}


async def test_a_researcher_is_refused_the_operators_api(plane):
    researcher = await new_researcher(plane)
    r = await researcher.get("/api/operator/overview")
    assert r.status_code == 403 and r.json()["code"] == "not_operator"
    r = await researcher.post("/api/operator/grants", grant(researcher.email))
    assert r.status_code == 403 and r.json()["code"] == "not_operator"
    assert (await researcher.wallet())["granted"] == (await researcher.wallet())["available"]
    assert (await plane.get("/api/operator/overview")).status_code == 401


async def test_the_overview_shows_interviews_in_progress_with_the_worker_that_holds_them(
    operator, plane, operator_settings
):
    researcher = await new_researcher(plane)
    link = await researcher.link()
    r = await plane.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    assert r.status_code == 200, r.text
    before = (await operator.get("/api/operator/overview")).json()
    beat = {"interviews": [{"interview_id": link["id"], "agent_key": agent_key(operator_settings, link["id"])}]}
    assert (await plane.post("/api/agent/heartbeat", json={**beat, "worker": "AW_holding"})).status_code == 200
    # a worker naming an interview it holds no key for is not listed
    forged = {"interviews": [{"interview_id": link["id"], "agent_key": "forged"}], "worker": "AW_forged"}
    assert (await plane.post("/api/agent/heartbeat", json=forged)).status_code == 200

    view = (await operator.get("/api/operator/overview")).json()
    interview = next(i for i in view["interviews"] if i["id"] == link["id"])
    assert interview["worker"] == "AW_holding" and interview["agent_state"] == "present"
    worker = next(w for w in view["workers"] if w["id"] == "AW_holding")
    assert worker["interviews"] == [link["id"]] and worker["seconds_since_heartbeat"] < 60
    assert "AW_forged" not in {w["id"] for w in view["workers"]}
    assert view["rooms"] == [] and "LiveKit did not answer" in view["rooms_error"]
    assert view["today"]["started"] == before["today"]["started"]  # joined before the first look

    r = await plane.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    assert r.status_code == 200, r.text
    after = (await operator.get("/api/operator/overview")).json()
    assert link["id"] not in {i["id"] for i in after["interviews"]}
    assert after["today"]["completed"] == before["today"]["completed"] + 1
    assert after["today"]["by_reason"]["left"] == before["today"]["by_reason"].get("left", 0) + 1
    held = next(w for w in after["workers"] if w["id"] == "AW_holding")
    assert held["interviews"] == []  # it no longer holds a finished interview


async def test_an_idle_worker_is_listed_only_with_proof_that_it_knows_the_livekit_secret(
    operator, plane, operator_settings
):
    secret, now = operator_settings.livekit_api_secret, int(time.time())

    def beat(worker: str, at: int, key: str = secret) -> dict:
        return {"interviews": [], "worker": worker, "at": at, "proof": worker_proof(key, worker, at)}

    for body in (
        beat("AW_idle", now),
        beat("AW_wrong_secret", now, key="not the secret"),
        beat("AW_replayed", now - 600),
        {"interviews": [], "worker": "AW_no_proof"},
    ):
        r = await plane.post("/api/agent/heartbeat", json=body)
        assert r.status_code == 200 and r.json() == {"renewed": [], "not_renewed": []}, r.text

    listed = {w["id"]: w for w in (await operator.get("/api/operator/overview")).json()["workers"]}
    assert listed["AW_idle"]["interviews"] == [] and listed["AW_idle"]["seconds_since_heartbeat"] < 60
    assert not {"AW_wrong_secret", "AW_replayed", "AW_no_proof"} & set(listed)


async def test_a_grant_sent_twice_or_at_once_is_made_once(operator, plane):
    researcher = await new_researcher(plane)
    start = await researcher.wallet()
    body = grant(researcher.email.upper(), amount=250)
    answers = await asyncio.gather(*(operator.post("/api/operator/grants", body) for _ in range(3)))
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert sorted(a.json()["granted_now"] for a in answers) == [False, False, True]
    again = await operator.post("/api/operator/grants", body)
    assert again.json()["granted_now"] is False and again.json()["available"] == start["available"] + 250
    wallet = await researcher.wallet()
    assert wallet["granted"] == start["granted"] + 250 and wallet["available"] == start["available"] + 250
    assert await LedgerEntry.count().where(LedgerEntry.key == f"grant:{body['request_id']}") == 1
    ledger = (await researcher.get("/api/wallet/ledger")).json()
    assert ledger[0]["kind"] == "grant" and ledger[0]["amount"] == 250 and ledger[0]["detail"] == "pilot study"
    # a new request id is a new grant
    r = await operator.post("/api/operator/grants", grant(researcher.email, amount=5))
    assert r.json()["granted_now"] is True and r.json()["available"] == start["available"] + 255


async def test_a_grant_to_no_account_or_of_no_tokens_is_refused_and_moves_nothing(operator):
    r = await operator.post("/api/operator/grants", grant("nobody@example.com"))
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    for bad in (grant("x@example.com", amount=0), {**grant("x@example.com"), "reason": ""}, grant("not an email")):
        r = await operator.post("/api/operator/grants", bad)
        assert r.status_code in (404, 422), r.text
        assert r.json()["code"] in ("invalid_input", "not_found")


async def test_a_grant_from_the_operators_session_needs_the_csrf_token(operator, plane):
    researcher = await new_researcher(plane)
    login = await plane.post("/api/auth/login", json={"email": OPERATOR, "password": "correct horse"})
    assert login.status_code == 200
    r = await plane.post("/api/operator/grants", json=grant(researcher.email))
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    r = await plane.post(
        "/api/operator/grants", json=grant(researcher.email), headers={"X-CSRF-Token": plane.cookies["csrf_token"]}
    )
    assert r.status_code == 200 and r.json()["granted_now"] is True
    plane.cookies.clear()


async def test_the_overview_tells_rooms_with_an_agent_from_rooms_without(plane, operator_settings, livekit_server):
    from livekit import api

    from control_plane.livekit import room_name
    from control_plane.operator.services import rooms
    from tests.control_plane.test_dispatch import AgentInRoom

    live = dataclasses.replace(operator_settings, livekit_url=livekit_server.livekit_url, livekit_api_url="")
    with_agent, without = str(uuid.uuid4()), str(uuid.uuid4())
    async with api.LiveKitAPI(live.livekit_http_url, live.livekit_api_key, live.livekit_api_secret) as lk:
        await lk.room.create_room(api.CreateRoomRequest(name=room_name(without)))
    try:
        async with AgentInRoom(live, with_agent):
            listed = {r.interview_id: r for r in await rooms(live)}
            assert listed[with_agent].has_agent and listed[with_agent].participants == 1
            assert not listed[without].has_agent and listed[without].participants == 0
            assert not listed[with_agent].has_respondent
    finally:
        async with api.LiveKitAPI(live.livekit_http_url, live.livekit_api_key, live.livekit_api_secret) as lk:
            for name in (with_agent, without):
                await lk.room.delete_room(api.DeleteRoomRequest(room=room_name(name)))
