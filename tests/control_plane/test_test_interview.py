"""A test interview: the researcher tries the interviewer with the project's current context before sending links.
It charges nothing, reports leave it out unless it is chosen, and afterwards it is there as a test record."""

from __future__ import annotations

from uuid import UUID

from control_plane.answers import services as answers
from control_plane.tables import Link
from tests.control_plane.conftest import token_of


async def run_test_interview(researcher, client, project: dict, **body) -> dict:
    r = await researcher.post(f"/api/projects/{project['id']}/links/test", body or None)
    assert r.status_code == 201, r.text
    link = r.json()
    assert link["is_test"] is True
    token = token_of(link)
    assert (await client.get(f"/api/interview/{token}")).json()["test"] is True
    r = await client.post(f"/api/interview/{token}/join", json={"email": researcher.email})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/interview/{token}/leave", json={"email": researcher.email})
    assert r.status_code == 200, r.text
    return (await researcher.get(f"/api/links/{link['id']}")).json()


async def test_a_test_interview_charges_nothing(researcher, client):
    project = await researcher.project()
    before = await researcher.wallet()
    link = await run_test_interview(researcher, client, project, duration_minutes=10)
    assert link["status"] == "completed"
    assert link["reserved_tokens"] == 0 and link["charged_tokens"] == 0
    after = await researcher.wallet()
    assert {k: after[k] for k in ("available", "reserved", "spent")} == {
        k: before[k] for k in ("available", "reserved", "spent")
    }
    ledger = (await researcher.get("/api/wallet/ledger")).json()
    assert not [line for line in ledger if line["link"] == link["id"]]


async def test_a_test_interview_runs_with_the_projects_current_context(researcher, client):
    project = await researcher.project()
    r = await researcher.put(
        f"/api/projects/{project['id']}/context",
        {"research_goals": "New goals", "interview_guide": "1. What changed this month?"},
    )
    assert r.status_code == 200
    r = await researcher.post(f"/api/projects/{project['id']}/links/test")
    link = r.json()
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "me@example.com"})
    row = await Link.select(Link.frozen_interview_guide).where(Link.id == link["id"]).first()
    assert row["frozen_interview_guide"] == "1. What changed this month?"


async def test_a_test_interview_needs_the_context_like_links_do(researcher):
    project = await researcher.project(goals="", guide="")
    r = await researcher.post(f"/api/projects/{project['id']}/links/test")
    assert r.status_code == 409
    assert r.json()["code"] == "context_missing"


async def test_a_test_interview_is_visible_afterwards_as_a_test_record(researcher, client):
    project = await researcher.project()
    real = (await researcher.links(project["id"]))["links"][0]
    await client.post(f"/api/interview/{token_of(real)}/join", json={"email": "r@example.com"})
    await client.post(f"/api/interview/{token_of(real)}/leave", json={"email": "r@example.com"})
    test = await run_test_interview(researcher, client, project)
    records = (await researcher.get(f"/api/projects/{project['id']}/records")).json()
    assert {r["link_id"]: r["is_test"] for r in records} == {real["id"]: False, test["id"]: True}
    record = (await researcher.get(f"/api/records/{test['record_id']}")).json()
    assert record["is_test"] is True
    completed = (await researcher.get(f"/api/projects/{project['id']}/links?tab=completed")).json()
    assert {c["id"]: c["is_test"] for c in completed} == {real["id"]: False, test["id"]: True}


async def test_reports_leave_test_interviews_out_unless_chosen(researcher, client):
    project = await researcher.project()
    test = await run_test_interview(researcher, client, project)
    r = await researcher.post(f"/api/projects/{project['id']}/reports")
    assert r.status_code == 409 and r.json()["code"] == "no_records"  # a test interview alone is nothing to report

    real = (await researcher.links(project["id"]))["links"][0]
    await client.post(f"/api/interview/{token_of(real)}/join", json={"email": "r@example.com"})
    await client.post(f"/api/interview/{token_of(real)}/leave", json={"email": "r@example.com"})
    real_record = (await researcher.get(f"/api/links/{real['id']}")).json()["record_id"]
    report = (await researcher.post(f"/api/projects/{project['id']}/reports")).json()
    assert report["record_ids"] == [real_record]

    chosen = await researcher.post(
        f"/api/projects/{project['id']}/reports", {"record_ids": [test["record_id"], real_record]}
    )
    assert chosen.status_code == 202
    assert set(chosen.json()["record_ids"]) == {test["record_id"], real_record}


async def test_the_answers_grid_leaves_test_interviews_out_and_a_chosen_one_is_labelled_apart(researcher, client):
    project = await researcher.project()
    test = await run_test_interview(researcher, client, project)
    real = (await researcher.links(project["id"]))["links"][0]
    await client.post(f"/api/interview/{token_of(real)}/join", json={"email": "r@example.com"})
    await client.post(f"/api/interview/{token_of(real)}/leave", json={"email": "r@example.com"})
    real_record = (await researcher.get(f"/api/links/{real['id']}")).json()["record_id"]

    grid = (await researcher.get(f"/api/projects/{project['id']}/answers")).json()
    assert [(r["label"], r["record_id"]) for r in grid["respondents"]] == [("R1", real_record)]

    study = await answers.study(UUID(researcher.account_id), UUID(project["id"]), tests=True)
    labels = {str(r.record_id): r.label for r in study.respondents}
    assert labels == {real_record: "R1", test["record_id"]: "T1"}
