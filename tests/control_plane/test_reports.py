"""Reports: generated in the background from records, map then combine, quotes checked against their turns."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from control_plane.app import create_app
from control_plane.livekit import agent_key
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import Researcher, new_researcher, token_of
from tests.fake_openai import FakeOpenAI

ANSWERS = [
    "On Monday mornings I write a list of everything the team has to ship.",
    "Meetings that run late are what usually break my plan for the day.",
]


async def completed_record(researcher: Researcher, settings, project_id: str | None = None) -> str:
    project_id = project_id or (await researcher.project())["id"]
    link = (await researcher.links(project_id))["links"][0]
    client = researcher.client
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    auth = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
    lines = [
        ("agent", "How do you plan your week?"),
        ("respondent", ANSWERS[0]),
        ("agent", "What gets in the way?"),
        ("respondent", ANSWERS[1]),
    ]
    start = utcnow()
    for seq, (speaker, text) in enumerate(lines, 1):
        t = (start + timedelta(seconds=seq)).isoformat()
        await client.put(
            f"/api/agent/interviews/{link['id']}/turns/{seq}",
            headers=auth,
            json={"speaker": speaker, "text": text, "started_at": t, "ended_at": t},
        )
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    return (await researcher.get(f"/api/links/{link['id']}")).json()["record_id"]


async def finished(researcher: Researcher, report_id: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        report = (await researcher.get(f"/api/reports/{report_id}")).json()
        if report["status"] in ("done", "failed"):
            return report
        assert time.monotonic() < deadline, f"report still {report['status']} after {timeout} s"
        await asyncio.sleep(0.05)


@pytest.fixture
async def fake_openai():
    server = await FakeOpenAI().start()
    yield server
    await server.stop()


@pytest.fixture
async def model_researcher(settings, fake_openai, client):
    """A researcher on an app whose reports use the fake OpenAI-compatible server."""
    live = replace(settings, llm_api_key="sk-test", llm_base_url=fake_openai.url, report_model="test-model")
    async with AsyncTestClient(app=create_app(live)) as model_client:
        researcher = await new_researcher(model_client)
        yield researcher


async def test_a_single_report_has_its_parts_and_only_real_quotes(model_researcher, settings, fake_openai):
    record_id = await completed_record(model_researcher, settings)
    r = await model_researcher.post(f"/api/records/{record_id}/reports")
    assert r.status_code == 202
    assert r.json()["status"] == "queued" and r.json()["model"] == "test-model"
    report = await finished(model_researcher, r.json()["id"])
    assert report["status"] == "done" and report["progress"] == 100
    content = report["content"]
    assert content["summary"] and content["findings"] and content["open_questions"]
    assert content["quotes"] == [
        {"seq": 2, "text": "On Monday mornings I", "why": "how they plan", "record": record_id}
    ]
    assert content["dropped_quotes"] == 1
    assert report["record_ids"] == [record_id] and report["prompt_version"] == "reports-v2"
    listed = (await model_researcher.get(f"/api/records/{record_id}/reports")).json()
    assert [x["id"] for x in listed] == [report["id"]]
    markdown = await model_researcher.get(f"/api/reports/{report['id']}/markdown")
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"  # one charset, not two
    assert "“On Monday mornings I”" in markdown.text and "never planned" not in markdown.text


async def test_a_project_report_maps_each_record_then_combines(model_researcher, settings, fake_openai):
    project_id = (await model_researcher.project())["id"]
    records = [await completed_record(model_researcher, settings, project_id) for _ in range(5)]
    r = await model_researcher.post(f"/api/projects/{project_id}/reports")
    report = await finished(model_researcher, r.json()["id"])
    assert report["status"] == "done"
    assert (fake_openai.map_calls, fake_openai.combine_calls) == (5, 1)
    assert sorted(report["record_ids"]) == sorted(records)
    content = report["content"]
    assert content["themes"][0]["respondents"] == 5
    assert content["contrasts"] and content["guide_gaps"]
    assert len(content["quotes"]) == 2 and all(q["record"] in records for q in content["quotes"])
    assert content["dropped_quotes"] == 5 + 1  # one fabricated per record, one in the combination
    chosen = await model_researcher.post(f"/api/projects/{project_id}/reports", {"record_ids": records[:2]})
    assert (await finished(model_researcher, chosen.json()["id"]))["record_ids"] == records[:2]


async def test_a_model_failure_is_reported_in_words_and_a_retry_succeeds(model_researcher, settings, fake_openai):
    record_id = await completed_record(model_researcher, settings)
    fake_openai.fail = True
    failed = await finished(
        model_researcher, (await model_researcher.post(f"/api/records/{record_id}/reports")).json()["id"]
    )
    assert failed["status"] == "failed" and failed["content"] is None
    assert "test-model" in failed["error"]
    fake_openai.fail = False
    again = await finished(
        model_researcher, (await model_researcher.post(f"/api/records/{record_id}/reports")).json()["id"]
    )
    assert again["status"] == "done"
    assert len((await model_researcher.get(f"/api/records/{record_id}/reports")).json()) == 2


async def test_the_offline_default_reports_and_cites_real_turns(researcher, settings):
    record_id = await completed_record(researcher, settings)
    report = await finished(researcher, (await researcher.post(f"/api/records/{record_id}/reports")).json()["id"])
    assert report["status"] == "done" and report["model"] == "offline-extractive"
    content = report["content"]
    assert content["summary"] and content["findings"]
    assert content["quotes"] and content["dropped_quotes"] == 0
    assert {q["text"] for q in content["quotes"]} <= set(ANSWERS)


async def test_reports_need_records_and_stay_private(researcher, other_researcher, settings):
    empty = await researcher.project()
    r = await researcher.post(f"/api/projects/{empty['id']}/reports")
    assert r.status_code == 409 and r.json()["code"] == "no_records"
    record_id = await completed_record(researcher, settings)
    project_id = (await researcher.get(f"/api/records/{record_id}")).json()["project_id"]
    bad = await researcher.post(f"/api/projects/{project_id}/reports", {"record_ids": [empty["id"]]})
    assert bad.status_code == 404 and bad.json()["code"] == "not_found"
    elsewhere = await completed_record(researcher, settings, empty["id"])
    bad = await researcher.post(f"/api/projects/{project_id}/reports", {"record_ids": [elsewhere]})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    report = (await researcher.post(f"/api/records/{record_id}/reports")).json()
    await finished(researcher, report["id"])
    for url in (
        f"/api/reports/{report['id']}",
        f"/api/records/{record_id}/reports",
        f"/api/projects/{project_id}/reports",
    ):
        assert (await other_researcher.get(url)).status_code == 404
    assert (await other_researcher.post(f"/api/records/{record_id}/reports")).status_code == 404
