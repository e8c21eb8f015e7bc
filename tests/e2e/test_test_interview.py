"""The researcher's test interview on the real stack: started from the project page, held in the same room with the
same agent and respondent page as a respondent's, charged nothing, and kept afterwards as a test record."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2E, GUIDE
from tests.e2e.test_interview import AGENT_TURN, wait_for

pytestmark = pytest.mark.e2e


def test_a_researcher_tries_the_interviewer_from_the_project_page_for_free(e2e: E2E, respondent_page: Page):
    email = "e2e-test-interview@example.com"
    auth = e2e.researcher(email)
    project = e2e.http.post("/api/projects", json={"name": "Test first"}, headers=auth).json()
    r = e2e.http.put(
        f"/api/projects/{project['id']}/context",
        json={"research_goals": "Learn how people plan their week.", "interview_guide": GUIDE},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    before = e2e.http.get("/api/wallet", headers=auth).json()

    page = respondent_page
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("e2e password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects")
    page.goto(f"/projects/{project['id']}")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Try a test interview").click()
    room = opened.value
    room.wait_for_url(re.compile(r"/interview/[\w-]+$"))
    expect(room.locator("#test-notice")).to_be_visible()
    room.locator("#consent").check()
    room.locator("#email").fill(email)
    room.locator("#start-button").click()
    expect(room.locator("#view-call")).to_be_visible(timeout=30_000)
    # The agent joins the room and greets, as it does for a respondent.
    expect(room.locator(AGENT_TURN).first).to_contain_text(re.compile(r"\w+"), timeout=60_000)
    room.locator("#leave-button").click()
    room.locator("#leave-dialog button[value=leave]").click()
    expect(room.locator("#view-ended")).to_be_visible(timeout=15_000)

    [record] = e2e.http.get(f"/api/projects/{project['id']}/records", headers=auth).json()
    assert record["is_test"] is True and record["charged_tokens"] == 0
    transcript = wait_for(
        lambda: e2e.http.get(f"/api/records/{record['id']}", headers=auth).json()["transcript"],
        "the test record's transcript",
        10,
    )
    assert transcript[0]["speaker"] == "agent"
    after = e2e.http.get("/api/wallet", headers=auth).json()
    assert (after["available"], after["reserved"], after["spent"]) == (
        before["available"],
        before["reserved"],
        before["spent"],
    )
    # The project page lists it as a test record.
    page.reload()
    expect(page.locator("#records-table tbody tr").first.locator(".badge-test")).to_have_text("Test")
