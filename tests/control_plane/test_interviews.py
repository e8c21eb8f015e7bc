"""The respondent's join, rejoin and leave; the room token; the agent's internal API."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import jwt
import pytest
from livekit import api

from control_plane.livekit import agent_key, room_name, room_token
from control_plane.tables import Link
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import GUIDE, token_of


async def test_the_public_view_tells_nothing_of_the_project(researcher, client):
    link = await researcher.link(topics=["work", "tools"], language="ru")
    r = await client.get(f"/api/interview/{token_of(link)}")
    assert r.status_code == 200
    assert r.json() == {
        "status": "pending",
        "duration_minutes": 10,
        "language": "ru",
        "topics": ["work", "tools"],
        "ends_at": None,
        "interviewer": None,
        "test": False,
    }
    assert r.headers["cache-control"] == "no-store"


async def test_unknown_token_answers_404(client):
    r = await client.get("/api/interview/definitely-not-a-token")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    r = await client.post("/api/interview/definitely-not-a-token/join", json={"email": "a@example.com"})
    assert r.status_code == 404


async def test_first_join_starts_the_clock_and_issues_a_scoped_room_token(researcher, client, settings):
    link = await researcher.link(duration_minutes=10)
    before = utcnow()
    r = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "Resp@Example.com "})
    assert r.status_code == 200, r.text
    body = r.json()
    ends_at = datetime.fromisoformat(body["ends_at"])
    assert timedelta(minutes=10) <= ends_at - before < timedelta(minutes=10, seconds=5)
    assert body["room"] == f"interview-{link['id']}"
    assert body["livekit_url"] == settings.livekit_url
    assert settings.livekit_api_secret not in r.text
    claims = api.TokenVerifier(settings.livekit_api_key, settings.livekit_api_secret).verify(body["token"])
    assert claims.identity == body["identity"] == f"respondent-{link['id']}"
    assert claims.video.room == body["room"]
    assert claims.video.room_join is True
    assert not claims.video.room_admin and not claims.video.room_create and not claims.video.room_list
    assert not claims.metadata  # no secret travels to the browser
    after = (await researcher.get(f"/api/links/{link['id']}")).json()
    assert after["status"] == "active"
    assert after["respondent_email"] == "resp@example.com"


def test_the_room_token_is_the_one_livekits_access_token_makes(settings):
    """The token is written without `api.AccessToken`; LiveKit must read the same claims from it."""
    link_id = "0b6f7a52-5a6e-4c4e-9d0f-0c1f8f3c2a11"
    ends_at = utcnow() + timedelta(minutes=10)
    ours = room_token(settings, link_id, ends_at)
    grants = api.VideoGrants(
        room_join=True, room=room_name(link_id), can_publish=True, can_subscribe=True, can_publish_data=True
    )
    theirs = (
        api.AccessToken(settings.livekit_api_key, settings.livekit_api_secret)
        .with_identity(f"respondent-{link_id}")
        .with_name("Respondent")
        .with_grants(grants)
        .with_ttl(ends_at - utcnow() + timedelta(minutes=5))
        .to_jwt()
    )
    assert jwt.get_unverified_header(ours) == jwt.get_unverified_header(theirs)
    read = [
        jwt.decode(t, settings.livekit_api_secret, algorithms=["HS256"], options={"verify_aud": False})
        for t in (ours, theirs)
    ]
    for claim in ("nbf", "exp"):
        assert abs(read[0].pop(claim) - read[1].pop(claim)) <= 1
    assert read[0] == read[1]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(ours, settings.livekit_api_secret + "x", algorithms=["HS256"])


async def test_rejoin_with_the_same_email_keeps_the_same_room_and_clock(researcher, client):
    link = await researcher.link()
    first = (await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})).json()
    again = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "R@example.com"})
    assert again.status_code == 200
    assert (again.json()["room"], again.json()["ends_at"]) == (first["room"], first["ends_at"])


async def test_rejoin_with_another_email_is_refused(researcher, client):
    link = await researcher.link()
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    r = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "someone@example.com"})
    assert r.status_code == 403
    assert r.json()["code"] == "email_mismatch"
    r = await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "someone@example.com"})
    assert r.status_code == 403
    assert (await researcher.get(f"/api/links/{link['id']}")).json()["status"] == "active"


async def test_double_click_on_join_starts_the_interview_once(researcher, client):
    link = await researcher.link()
    url = f"/api/interview/{token_of(link)}/join"
    answers = await asyncio.gather(*(client.post(url, json={"email": "r@example.com"}) for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5
    assert len({a.json()["ends_at"] for a in answers}) == 1


async def test_two_respondents_racing_for_one_link_get_one_interview(researcher, client):
    link = await researcher.link()
    url = f"/api/interview/{token_of(link)}/join"
    answers = await asyncio.gather(*(client.post(url, json={"email": f"r{i}@example.com"}) for i in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 403, 403, 403]


async def test_a_join_after_the_links_validity_expires_it_and_starts_nothing(researcher, client):
    link = await researcher.link()
    await Link.update({Link.expires_at: utcnow() - timedelta(seconds=1)}).where(Link.id == link["id"])
    r = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    assert r.status_code == 410
    assert r.json()["code"] == "expired"
    after = (await researcher.get(f"/api/links/{link['id']}")).json()
    assert (after["status"], after["respondent_email"]) == ("expired", None)
    assert (await researcher.wallet())["reserved"] == 0


async def test_leave_completes_and_charges_the_minutes_used(researcher, client):
    link = await researcher.link(duration_minutes=10)
    token = token_of(link)
    await client.post(f"/api/interview/{token}/join", json={"email": "r@example.com"})
    started = utcnow() - timedelta(minutes=3, seconds=20)
    await Link.update({Link.started_at: started}).where(Link.id == link["id"])
    r = await client.post(f"/api/interview/{token}/leave", json={"email": "r@example.com"})
    assert r.status_code == 200
    assert r.json()["status"] == "completed"
    done = (await researcher.get(f"/api/links/{link['id']}")).json()
    assert done["charged_tokens"] == 4
    assert done["completion_reason"] == "left"
    assert done["record_id"]
    assert await researcher.wallet() == {
        "granted": 600,
        "available": 596,
        "reserved": 0,
        "spent": 4,
        "tokens_per_minute": 1,
        "buy_tokens_url": None,
    }
    again = await client.post(f"/api/interview/{token}/leave", json={"email": "r@example.com"})
    assert again.status_code == 200
    assert (await researcher.wallet())["spent"] == 4
    gone = await client.post(f"/api/interview/{token}/join", json={"email": "r@example.com"})
    assert gone.status_code == 410
    assert gone.json()["code"] == "completed"


async def test_cancelled_link_answers_410_cancelled(researcher, client):
    link = await researcher.link()
    await researcher.post(f"/api/links/{link['id']}/cancel")
    for r in (
        await client.get(f"/api/interview/{token_of(link)}"),
        await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"}),
    ):
        assert r.status_code == 410
        assert r.json()["code"] == "cancelled"


async def test_leave_of_a_pending_link_is_refused(researcher, client):
    link = await researcher.link()
    r = await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    assert r.status_code == 409
    assert r.json()["code"] == "invalid_status"


async def test_server_completes_an_abandoned_interview_after_the_grace_period(researcher, client, settings):
    link = await researcher.link(duration_minutes=5)
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    past = utcnow() - timedelta(minutes=5, seconds=settings.interview_grace_seconds + 1)
    await Link.update({Link.started_at: past, Link.ends_at: past + timedelta(minutes=5)}).where(Link.id == link["id"])
    done = (await researcher.get(f"/api/links/{link['id']}")).json()
    assert done["status"] == "completed"
    assert done["completion_reason"] == "server"
    assert done["charged_tokens"] == 5


# The agent's side.


async def _started(researcher, client, settings, **overrides):
    link = await researcher.link(**overrides)
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    key = agent_key(settings, link["id"])
    return link, {"Authorization": f"Bearer {key}"}


def _turn(seq: int, speaker: str = "agent", text: str | None = None) -> dict:
    start = utcnow()
    return {
        "speaker": speaker,
        "text": text or f"turn {seq}",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=2)).isoformat(),
    }


async def test_agent_gets_the_context_frozen_at_start(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    await researcher.put(
        f"/api/projects/{link['project_id']}/context", {"research_goals": "changed", "interview_guide": "changed"}
    )
    r = await client.get(f"/api/agent/interviews/{link['id']}", headers=auth)
    assert r.status_code == 200
    config = r.json()
    assert config["interview_guide"] == GUIDE
    assert config["room"] == f"interview-{link['id']}"
    assert config["turns"] == []
    assert config["topics"] == ["planning"]


async def test_link_context_overrides_the_projects(researcher, client, settings):
    link = await researcher.link()
    await researcher.patch(f"/api/links/{link['id']}", {"interview_guide": "Only this question?"})
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    auth = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
    config = (await client.get(f"/api/agent/interviews/{link['id']}", headers=auth)).json()
    assert config["interview_guide"] == "Only this question?"
    assert config["research_goals"] != ""


async def test_agent_key_opens_only_its_own_interview(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    other, _ = await _started(researcher, client, settings)
    assert (await client.get(f"/api/agent/interviews/{other['id']}", headers=auth)).status_code == 404
    assert (await client.get(f"/api/agent/interviews/{link['id']}")).status_code == 401
    r = await client.put(f"/api/agent/interviews/{other['id']}/turns/1", json=_turn(1), headers=auth)
    assert r.status_code == 404


async def test_turns_are_idempotent_by_seq(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    url = f"/api/agent/interviews/{link['id']}/turns"
    turn = _turn(1, "agent", "Hello, shall we begin?")
    first = await client.put(f"{url}/1", json=turn, headers=auth)
    retry = await client.put(f"{url}/1", json=turn, headers=auth)
    assert (first.json(), retry.json()) == ({"seq": 1, "created": True}, {"seq": 1, "created": False})
    conflict = await client.put(f"{url}/1", json=_turn(1, "respondent", "something else"), headers=auth)
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "turn_conflict"
    bad = await client.put(f"{url}/0", json=turn, headers=auth)
    assert bad.status_code == 422
    config = (await client.get(f"/api/agent/interviews/{link['id']}", headers=auth)).json()
    assert [(t["seq"], t["text"]) for t in config["turns"]] == [(1, "Hello, shall we begin?")]


async def test_concurrent_posts_of_one_turn_store_it_once(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    url = f"/api/agent/interviews/{link['id']}/turns/1"
    turn = _turn(1)
    answers = await asyncio.gather(*(client.put(url, json=turn, headers=auth) for _ in range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert sum(a.json()["created"] for a in answers) == 1


async def test_agent_completion_is_idempotent_and_charges_once(researcher, client, settings):
    link, auth = await _started(researcher, client, settings, duration_minutes=8)
    url = f"/api/agent/interviews/{link['id']}/complete"
    answers = await asyncio.gather(*(client.post(url, json={"reason": "timer"}, headers=auth) for _ in range(4)))
    assert {a.json()["status"] for a in answers} == {"completed"}
    assert {a.json()["completion_reason"] for a in answers} == {"timer"}
    wallet = await researcher.wallet()
    assert wallet["spent"] == 1
    assert wallet["reserved"] == 0
    ledger = (await researcher.get("/api/wallet/ledger")).json()
    assert [e["kind"] for e in ledger].count("charge") == 1
    bad = await client.post(url, json={"reason": "bored"}, headers=auth)
    assert bad.status_code == 422


async def test_concurrent_different_turns_under_one_seq_store_one_and_refuse_the_rest(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    url = f"/api/agent/interviews/{link['id']}/turns/1"
    answers = await asyncio.gather(
        *(client.put(url, json=_turn(1, text=f"version {i % 2}"), headers=auth) for i in range(10))
    )
    created = [a for a in answers if a.status_code == 200 and a.json()["created"]]
    assert len(created) == 1
    stored = (await client.get(f"/api/agent/interviews/{link['id']}", headers=auth)).json()["turns"]
    assert len(stored) == 1
    refused = [a for a in answers if a.status_code == 409]
    assert {a.json()["code"] for a in refused} == {"turn_conflict"}
    assert len(refused) == 5  # the five posts whose text differs from the stored one
    assert len(refused) + sum(a.status_code == 200 for a in answers) == 10


async def test_joins_are_handed_every_livekit_node_in_turn(researcher, client, settings):
    from dataclasses import replace

    from control_plane.interviews import services

    nodes = replace(settings, livekit_urls=("ws://127.0.0.1:7880", "ws://127.0.0.1:7890"))
    handed = []
    for _ in range(4):
        link = await researcher.link()
        answer, started = await services.join(token_of(link), "r@example.com", nodes)
        assert started
        handed.append(answer.livekit_url)
    assert set(handed) == set(nodes.livekit_urls)
    assert handed[0] != handed[1] and handed[:2] == handed[2:]
