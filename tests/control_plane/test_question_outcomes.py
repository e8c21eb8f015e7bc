"""Where each guide question ended up: posted by the agent as the interview goes, settled at completion, shown in
the record and counted in reports; and the researcher is told when the offline interviewer cannot speak the link's
language."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from control_plane.links.services import warnings_for
from control_plane.livekit import agent_key
from tests.control_plane.conftest import token_of

QUESTIONS = ["How do you plan your week?", "What gets in the way?", "What would help?"]


async def _started(researcher, client, settings, **overrides):
    link = await researcher.link(**overrides)
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    return link, {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}


def _state(through_seq: int, *outcomes: str, answers: dict[int, list[int]] | None = None) -> dict:
    answers = answers or {}
    return {
        "through_seq": through_seq,
        "questions": [
            {
                "index": i + 1,
                "question": QUESTIONS[i],
                "outcome": outcome,
                "asked_seqs": [2 * i + 1] if outcome != "pending" else [],
                "answer_seqs": answers.get(i + 1, []),
            }
            for i, outcome in enumerate(outcomes)
        ],
    }


async def test_the_agent_posts_question_outcomes_and_a_newer_state_replaces_an_older_one(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    url = f"/api/agent/interviews/{link['id']}/questions"
    first = _state(2, "answered", "asked", "pending", answers={1: [2]})
    newer = _state(4, "probed", "skipped", "asked", answers={1: [2, 4], 2: [6]})
    assert (await client.put(url, json=first, headers=auth)).json() == {"through_seq": 2, "stored": True}
    assert (await client.put(url, json=newer, headers=auth)).json() == {"through_seq": 4, "stored": True}
    # A late retry of the older state changes nothing; the same state again is fine.
    assert (await client.put(url, json=first, headers=auth)).json() == {"through_seq": 2, "stored": False}
    assert (await client.put(url, json=newer, headers=auth)).status_code == 200
    config = (await client.get(f"/api/agent/interviews/{link['id']}", headers=auth)).json()
    assert [(q["index"], q["outcome"], q["answer_seqs"]) for q in config["questions"]] == [
        (1, "probed", [2, 4]),
        (2, "skipped", [6]),
        (3, "asked", []),
    ]


async def test_concurrent_posts_of_the_same_state_store_it_once(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    url = f"/api/agent/interviews/{link['id']}/questions"
    state = _state(3, "answered", "asked", "pending", answers={1: [2]})
    answers = await asyncio.gather(*(client.put(url, json=state, headers=auth) for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5
    config = (await client.get(f"/api/agent/interviews/{link['id']}", headers=auth)).json()
    assert len(config["questions"]) == 3


async def test_question_outcomes_are_the_agents_own_and_well_formed(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    other, _ = await _started(researcher, client, settings)
    state = _state(1, "asked", "pending", "pending")
    assert (
        await client.put(f"/api/agent/interviews/{other['id']}/questions", json=state, headers=auth)
    ).status_code == 404
    url = f"/api/agent/interviews/{link['id']}/questions"
    assert (await client.put(url, json=state)).status_code == 401
    bad_outcome = _state(1, "asked", "pending", "pending")
    bad_outcome["questions"][0]["outcome"] = "maybe"
    twice = _state(1, "asked", "pending", "pending")
    twice["questions"][1]["index"] = 1
    for body in (bad_outcome, twice, {"through_seq": 1}):
        r = await client.put(url, json=body, headers=auth)
        assert r.status_code == 422 and r.json()["code"] == "invalid_input", r.text
    config = (await client.get(f"/api/agent/interviews/{link['id']}", headers=auth)).json()
    assert config["questions"] == []


async def test_completion_settles_open_questions_as_not_reached_and_the_record_shows_outcomes_and_why_it_ended(
    researcher, client, settings
):
    link, auth = await _started(researcher, client, settings)
    base = f"/api/agent/interviews/{link['id']}"
    await client.put(
        f"{base}/questions", json=_state(4, "answered", "asked", "pending", answers={1: [2]}), headers=auth
    )
    done = await client.post(
        f"{base}/complete",
        json={"reason": "respondent", "note": "The respondent had to leave for a meeting."},
        headers=auth,
    )
    assert done.json()["completion_reason"] == "respondent"
    assert done.json()["end_note"] == "The respondent had to leave for a meeting."
    # A state posted after completion (the last one in flight) is settled the same way.
    late = await client.put(f"{base}/questions", json=_state(5, "answered", "asked", "pending"), headers=auth)
    assert late.json()["stored"] is True
    record_id = (await researcher.get(f"/api/links/{link['id']}")).json()["record_id"]
    record = (await researcher.get(f"/api/records/{record_id}")).json()
    assert [(q["index"], q["question"], q["outcome"]) for q in record["questions"]] == [
        (1, QUESTIONS[0], "answered"),
        (2, QUESTIONS[1], "not_reached"),
        (3, QUESTIONS[2], "not_reached"),
    ]
    assert record["completion_reason"] == "respondent"
    assert record["end_note"] == "The respondent had to leave for a meeting."


async def test_a_report_counts_what_each_guide_question_collected(researcher, client, settings):
    link, auth = await _started(researcher, client, settings)
    base = f"/api/agent/interviews/{link['id']}"
    for seq, (speaker, text) in enumerate(
        [("agent", "How do you plan your week?"), ("respondent", "On Sundays, with a long list of tasks.")], start=1
    ):
        turn = {"speaker": speaker, "text": text, "started_at": link["created_at"], "ended_at": link["created_at"]}
        await client.put(f"{base}/turns/{seq}", json=turn, headers=auth)
    await client.put(
        f"{base}/questions", json=_state(2, "answered", "skipped", "pending", answers={1: [2]}), headers=auth
    )
    await client.post(f"{base}/complete", json={"reason": "timer"}, headers=auth)
    record_id = (await researcher.get(f"/api/links/{link['id']}")).json()["record_id"]
    report = (await researcher.post(f"/api/records/{record_id}/reports")).json()
    for _ in range(100):
        report = (await researcher.get(f"/api/reports/{report['id']}")).json()
        if report["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.05)
    assert report["status"] == "done", report
    questions = report["content"]["questions"]
    assert [(q["index"], q["outcomes"]) for q in questions] == [
        (1, {"answered": 1}),
        (2, {"skipped": 1}),
        (3, {"not_reached": 1}),
    ]
    assert [(a["record"], a["seqs"]) for a in questions[0]["answers"]] == [(record_id, [2])]
    gaps = [g["question"] for g in report["content"]["guide_gaps"]]
    assert gaps == [QUESTIONS[1], QUESTIONS[2]]


async def test_links_in_another_language_than_the_guide_warn_when_no_model_can_translate(researcher, settings):
    project = await researcher.project(guide="1. Как вы планируете свою неделю?\n2. Что вам мешает?")
    warned = await researcher.links(project["id"], language="en")
    assert [w["code"] for w in warned["warnings"]] == ["guide_language"]
    assert "Russian" in warned["warnings"][0]["detail"] and "English" in warned["warnings"][0]["detail"]
    assert len(warned["links"]) == 1  # the links are made all the same
    assert (await researcher.links(project["id"], language="ru"))["warnings"] == []
    assert (await researcher.links(project["id"], language="auto"))["warnings"] == []
    with_model = replace(settings, llm_base_url="http://127.0.0.1:8080/v1", llm_api_key="no-key")
    assert warnings_for("1. Как вы планируете свою неделю?", "en", with_model) == []
    assert warnings_for("1. How do you plan your week?", "ru", settings)[0].code == "guide_language"
