"""Records: a completed interview becomes one record with its whole transcript, in order."""

from __future__ import annotations

from datetime import timedelta

from control_plane.livekit import agent_key
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import token_of


async def test_completed_interview_becomes_a_record_with_its_transcript(researcher, client, settings):
    link = await researcher.link(language="en")
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    auth = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
    start = utcnow()
    lines = [
        ("agent", "Hello! How do you plan your week?"),
        ("respondent", "On Mondays, with a list."),
        ("agent", "What gets in the way?"),
    ]
    for seq in (3, 1, 2):  # posted out of order, as retries may do
        speaker, text = lines[seq - 1]
        t0 = start + timedelta(seconds=seq * 5)
        await client.put(
            f"/api/agent/interviews/{link['id']}/turns/{seq}",
            json={
                "speaker": speaker,
                "text": text,
                "started_at": t0.isoformat(),
                "ended_at": (t0 + timedelta(seconds=4)).isoformat(),
            },
            headers=auth,
        )
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    records = (await researcher.get(f"/api/projects/{link['project_id']}/records")).json()
    assert len(records) == 1
    record = (await researcher.get(f"/api/records/{records[0]['id']}")).json()
    assert record["respondent_email"] == "r@example.com"
    assert record["language"] == "en"
    assert record["completion_reason"] == "left"
    assert [(t["seq"], t["speaker"], t["text"]) for t in record["transcript"]] == [
        (i + 1, s, t) for i, (s, t) in enumerate(lines)
    ]
    link_after = (await researcher.get(f"/api/links/{link['id']}")).json()
    assert link_after["record_id"] == record["id"]


async def test_a_turn_that_arrives_after_completion_still_joins_the_record(researcher, client, settings):
    link = await researcher.link()
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    auth = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    now = utcnow().isoformat()
    r = await client.put(
        f"/api/agent/interviews/{link['id']}/turns/1",
        json={"speaker": "agent", "text": "Thank you, goodbye.", "started_at": now, "ended_at": now},
        headers=auth,
    )
    assert r.status_code == 200
    record_id = (await researcher.get(f"/api/links/{link['id']}")).json()["record_id"]
    assert [t["text"] for t in (await researcher.get(f"/api/records/{record_id}")).json()["transcript"]] == [
        "Thank you, goodbye."
    ]


async def test_another_accounts_record_answers_404(researcher, other_researcher, client):
    link = await researcher.link()
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    record_id = (await researcher.get(f"/api/links/{link['id']}")).json()["record_id"]
    r = await other_researcher.get(f"/api/records/{record_id}")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
