"""Reports: built on the answers by question; with a model, each record is summarised and the summaries combined,
every quote checked against its turn and attributed to its respondent; without one, nothing is inferred."""

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


async def completed_record(
    researcher: Researcher,
    settings,
    project_id: str | None = None,
    email: str = "r@example.com",
    answers: list[str] = ANSWERS,
) -> str:
    """A completed interview whose interviewer asked the first two guide questions (no outcomes recorded: the
    answers are matched from the turns)."""
    project_id = project_id or (await researcher.project())["id"]
    link = (await researcher.links(project_id))["links"][0]
    client = researcher.client
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": email})
    auth = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
    lines = [
        ("agent", "How do you plan your week?"),
        ("respondent", answers[0]),
        ("agent", "What gets in the way?"),
        ("respondent", answers[1]),
    ]
    start = utcnow()
    for seq, (speaker, text) in enumerate(lines, 1):
        t = (start + timedelta(seconds=seq)).isoformat()
        await client.put(
            f"/api/agent/interviews/{link['id']}/turns/{seq}",
            headers=auth,
            json={"speaker": speaker, "text": text, "started_at": t, "ended_at": t},
        )
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": email})
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
    live = replace(
        settings, report_llm_api_key="sk-test", report_llm_base_url=fake_openai.url, report_model="test-model"
    )
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
    assert content["summary"] and content["findings"] and content["open_questions"] == ["Who sets the priorities?"]
    # The model's quotes that are in their turn, attributed to the respondent; the fabricated one is dropped.
    assert content["quotes"] == [
        {
            "seq": 2,
            "text": "On Monday mornings I",
            "why": "how they plan",
            "record": record_id,
            "respondent": "R1",
            "email": "r@example.com",
        }
    ]
    assert content["dropped_quotes"] == 1
    assert [q["coverage"] for q in content["questions"]] == [{"answered": 1, "of": 1}, {"answered": 1, "of": 1}] + [
        {"answered": 0, "of": 1}
    ]
    assert content["overview"]["interviews"] == 1  # counted, whatever the model says
    assert report["record_ids"] == [record_id] and report["prompt_version"] == "reports-v3"
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
    assert len(content["quotes"]) == 2
    labels = {r: f"R{i}" for i, r in enumerate(records, 1)}
    assert all(q["record"] in records and q["respondent"] == labels[q["record"]] for q in content["quotes"])
    assert content["dropped_quotes"] == 5 + 1  # one fabricated per record, one in the combination
    assert content["open_questions"] == ["Who decides what goes on the list?"]
    # The model read respondents by their labels, never their emails.
    assert "r@example.com" not in fake_openai.combine_prompt
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


async def test_without_a_model_the_report_is_the_answers_by_question_and_infers_nothing(researcher, settings):
    project_id = (await researcher.project())["id"]
    first = await completed_record(researcher, settings, project_id)
    second = await completed_record(
        researcher,
        settings,
        project_id,
        email="sam@example.com",
        answers=["Mostly I don't.", "In 2023 we lost 3 weeks to a migration nobody had planned. Who owns planning?"],
    )
    r = await researcher.post(f"/api/projects/{project_id}/reports")
    report = await finished(researcher, r.json()["id"])
    assert report["status"] == "done" and report["model"] == "offline-extractive"
    content = report["content"]
    for inferred in ("themes", "findings", "contrasts", "summary"):
        assert inferred not in content
    assert content["overview"] == {"interviews": 2, "questions": 3, "answered": 4, "possible": 6}
    way = content["questions"][1]
    assert way["question"] == "What gets in the way?" and way["coverage"] == {"answered": 2, "of": 2}
    # Every answer side by side, attributed; the most specific answer is quoted first, linked to its turn.
    assert [(a["respondent"], a["email"], a["text"], a["seqs"]) for a in way["answers"]] == [
        ("R1", "r@example.com", ANSWERS[1], [4]),
        ("R2", "sam@example.com", "In 2023 we lost 3 weeks to a migration nobody had planned. Who owns planning?", [4]),
    ]
    assert [(q["respondent"], q["record"], q["seq"]) for q in way["quotes"]] == [("R2", second, 4), ("R1", first, 4)]
    assert content["questions"][2]["outcomes"] == {"not_reached": 2}
    assert content["guide_gaps"] == [{"index": 3, "question": "What would help?", "answered": 0, "of": 2}]
    # Open questions: the ones respondents asked, word for word.
    assert content["open_questions"] == [
        {"record": second, "respondent": "R2", "email": "sam@example.com", "seq": 4, "text": "Who owns planning?"}
    ]
    assert content["dropped_quotes"] == 0 and "quotes" not in content  # quotes are per question
    markdown = (await researcher.get(f"/api/reports/{report['id']}/markdown")).text
    assert "## Answers by question" in markdown and "## Open questions" in markdown
    assert f"[R2, turn 4 (sam@example.com)](http://127.0.0.1:8000/records/{second}#turn-4)" in markdown
    assert "- **R1**: " + ANSWERS[1] in markdown


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
