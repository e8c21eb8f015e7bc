"""A whole interview on the real stack: a respondent in Chromium talks with an agent worker through LiveKit."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, E2E, GUIDE

pytestmark = pytest.mark.e2e
AGENT_TURN = "#live-transcript li.turn-agent"
RESPONDENT_TURN = "#live-transcript li.turn-respondent"


def join(page: Page, link: dict, email: str) -> None:
    page.goto(link["url"])
    page.locator("#consent").check()
    page.locator("#email").fill(email)
    page.locator("#start-button").click()
    expect(page.locator("#view-call")).to_be_visible(timeout=30_000)


def wait_for(condition, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def assert_turns_complete(turns: list[dict]) -> None:
    seqs = [t["seq"] for t in turns]
    assert seqs == list(range(1, len(seqs) + 1)), f"turns missing or duplicated: {seqs}"
    assert all(t["text"].strip() for t in turns)


QUESTIONS = [re.sub(r"^\d+\.\s*", "", line).strip() for line in GUIDE.splitlines()]


def asked_in(text: str) -> list[int]:
    return [i for i, q in enumerate(QUESTIONS) if q.lower().rstrip("?") in text.lower()]


def assert_one_question_at_a_time(turns: list[dict]) -> None:
    """No two agent turns ask different guide questions without a respondent turn between them."""
    last = None
    for turn in turns:
        if turn["speaker"] == "respondent":
            last = None
            continue
        asked = asked_in(turn["text"])
        assert len(asked) <= 1, f"two guide questions in one turn: {turn['text']}"
        if asked:
            assert last is None or asked[0] == last, f"turn {turn['seq']} asks again before any answer: {turns}"
            last = asked[0]


def assert_no_close_while_questions_and_time_remain(link: dict, record: dict) -> None:
    """A goodbye with guide questions left comes only at the time limit, or when the respondent left or stopped."""
    open_questions = [q for q in record["questions"] if q["outcome"] == "not_reached"]
    goodbyes = [t for t in record["transcript"] if t["speaker"] == "agent" and "goodbye" in t["text"].lower()]
    assert len(goodbyes) <= 1, f"goodbye said {len(goodbyes)} times"
    if not goodbyes or not open_questions or link["completion_reason"] in ("left", "respondent"):
        return
    said_at = datetime.fromisoformat(goodbyes[0]["started_at"])
    left = (datetime.fromisoformat(link["ends_at"]) - said_at).total_seconds()
    silent = "silent" in (link.get("end_note") or "")
    assert left < 30 or silent, f"closed {left:.0f} s before the limit with {len(open_questions)} question(s) open"


def test_a_whole_interview_from_greeting_to_record(e2e: E2E, respondent_page: Page):
    auth = e2e.researcher("e2e-whole@example.com")
    link = e2e.link(auth, duration_minutes=2)
    join(respondent_page, link, "respondent@example.com")

    # The agent joins and greets; the greeting reaches the page's transcript panel.
    expect(respondent_page.locator(AGENT_TURN).first).to_contain_text(re.compile(r"\w+"), timeout=60_000)
    # The respondent's spoken answer is transcribed, and the agent asks the next question.
    expect(respondent_page.locator(RESPONDENT_TURN).first).to_contain_text(
        re.compile(r"week|monday|calendar|tasks", re.I), timeout=60_000
    )
    wait_for(
        lambda: [t for t in e2e.turns(link["id"]) if t["speaker"] == "agent" and t["seq"] > 2],
        "the agent's next question",
        60,
    )
    respondent_page.screenshot(path=str(ARTIFACTS / "e2e-call.png"), full_page=True)

    respondent_page.locator("#leave-button").click()
    respondent_page.locator("#leave-dialog button[value=leave]").click()
    expect(respondent_page.locator("#view-ended")).to_be_visible(timeout=15_000)
    expect(respondent_page.locator(AGENT_TURN).first).to_be_visible()  # still readable after the call

    done = e2e.http.get(f"/api/links/{link['id']}", headers=auth).json()
    assert done["status"] == "completed"
    assert done["completion_reason"] == "left"
    record = e2e.http.get(f"/api/records/{done['record_id']}", headers=auth).json()
    turns = wait_for(
        lambda: (t := e2e.http.get(f"/api/records/{done['record_id']}", headers=auth).json()["transcript"]) and t,
        "the record's transcript",
        10,
    )
    assert_turns_complete(turns)
    assert_one_question_at_a_time(turns)
    speakers = [t["speaker"] for t in turns]
    assert speakers[0] == "agent" and "respondent" in speakers
    assert record["respondent_email"] == "respondent@example.com"
    # The record says where each guide question ended up, with the turns on it.
    record = e2e.http.get(f"/api/records/{done['record_id']}", headers=auth).json()
    assert [q["question"] for q in record["questions"]] == QUESTIONS
    assert record["questions"][0]["outcome"] in ("answered", "probed") and record["questions"][0]["answer_seqs"]
    assert all(q["outcome"] != "asked" and q["outcome"] != "pending" for q in record["questions"])
    wallet = e2e.http.get("/api/wallet", headers=auth).json()
    assert wallet["spent"] == done["charged_tokens"] >= 1
    assert wallet["reserved"] == 0


def test_the_interview_completes_when_time_runs_out(e2e: E2E, respondent_page: Page):
    auth = e2e.researcher("e2e-timer@example.com")
    link = e2e.link(auth, duration_minutes=1)
    join(respondent_page, link, "respondent@example.com")
    expect(respondent_page.locator(AGENT_TURN).first).to_be_visible(timeout=60_000)
    done = wait_for(
        lambda: (d := e2e.http.get(f"/api/links/{link['id']}", headers=auth).json())["status"] == "completed" and d,
        "the link to complete at its time limit",
        110,
    )
    assert done["completion_reason"] in ("timer", "agent_end", "left")
    assert done["charged_tokens"] == 1
    expect(respondent_page.locator("#view-ended")).to_be_visible(timeout=30_000)
    turns = e2e.turns(link["id"])
    assert_turns_complete(turns)
    assert_one_question_at_a_time(turns)
    record = wait_for(
        lambda: (r := e2e.http.get(f"/api/records/{done['record_id']}", headers=auth).json())["transcript"] and r,
        "the record",
        10,
    )
    assert_no_close_while_questions_and_time_remain(done, record)


def test_a_killed_worker_is_replaced_and_no_turn_is_lost(e2e: E2E, respondent_page: Page):
    auth = e2e.researcher("e2e-kill@example.com")
    link = e2e.link(auth, duration_minutes=3)
    join(respondent_page, link, "respondent@example.com")
    wait_for(lambda: [t for t in e2e.turns(link["id"]) if t["speaker"] == "agent"], "the greeting", 60)
    serving = wait_for(
        lambda: next((w for w in e2e.workers if w.alive() and link["id"] in w.log_text()), None),
        "the worker serving the interview to log its id",
        30,
    )
    before = e2e.turns(link["id"])
    e2e.stack.kill(serving)
    killed_at = time.monotonic()

    # The control plane notices, dispatches a new agent, and it resumes: a new agent turn after the kill.
    resumed = wait_for(
        lambda: [t for t in e2e.turns(link["id"]) if t["seq"] > len(before) and t["speaker"] == "agent"],
        "a new agent to resume the interview",
        60,
    )
    assert time.monotonic() - killed_at < 60
    expect(respondent_page.locator("#view-call")).to_be_visible()
    turns = e2e.turns(link["id"])
    assert_turns_complete(turns)
    assert [t["text"] for t in turns[: len(before)]] == [t["text"] for t in before]
    assert resumed
    # The new agent neither greets again nor starts over: back before the respondent spoke, it says it lost the
    # connection and asks again the question whose answer was not recorded (or goes on); if the respondent answered
    # first, it goes on from that answer.
    new = [t for t in turns if t["seq"] > len(before)]
    first_agent = next(t for t in new if t["speaker"] == "agent")
    assert "Hello" not in first_agent["text"], first_agent
    last_asked = next(asked_in(t["text"]) for t in reversed(before) if t["speaker"] == "agent" and asked_in(t["text"]))
    if new[0]["speaker"] == "agent":
        assert "lost the connection" in first_agent["text"], first_agent
        answered = before[-1]["speaker"] == "respondent"
        expected = [last_asked[0] + 1] if answered and last_asked[0] + 1 < len(QUESTIONS) else last_asked
        assert asked_in(first_agent["text"]) == expected, first_agent
    else:
        assert all(q > last_asked[0] for q in asked_in(first_agent["text"])), first_agent
    assert_one_question_at_a_time([t for t in turns if t["seq"] > len(before)])
    # Put a worker back for the tests that follow.
    e2e.workers.append(e2e.stack.start_worker(f"agent-{len(e2e.workers) + 1}", timeout=240))
