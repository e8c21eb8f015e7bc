"""A completed interview as the researcher reads it: the Completed tab, the records list, the record and exports."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.web.conftest import SECRET_KEY, Researcher, screenshot


def complete_an_interview(researcher: Researcher, project_id: str) -> dict:
    """Join as a respondent, post two turns as the agent would, and leave: the control plane makes a record."""
    [link] = researcher.links(project_id, language="en", duration_minutes=5)
    request = researcher.page.request
    token = link["url"].rsplit("/", 1)[1]
    assert request.post(f"/api/interview/{token}/join", data={"email": "ann@example.com"}).status == 200
    key = hmac.new(SECRET_KEY.encode(), f"agent:{link['id']}".encode(), hashlib.sha256).hexdigest()
    start = datetime.now(UTC)
    turns = [
        ("agent", "Hello! Tell me about your last purchase."),
        ("respondent", "I bought running shoes, but the checkout asked for my address twice."),
    ]
    for seq, (speaker, text) in enumerate(turns, start=1):
        body = {
            "speaker": speaker,
            "text": text,
            "started_at": (start + timedelta(seconds=10 * seq)).isoformat(),
            "ended_at": (start + timedelta(seconds=10 * seq + 5)).isoformat(),
        }
        answer = request.put(
            f"/api/agent/interviews/{link['id']}/turns/{seq}", data=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status == 200, answer.text()
    questions = {
        "through_seq": 2,
        "questions": [
            {
                "index": 1,
                "question": "Walk me through your last purchase.",
                "outcome": "answered",
                "asked_seqs": [1],
                "answer_seqs": [2],
            },
            {"index": 2, "question": "What almost stopped you?", "outcome": "pending"},
        ],
    }
    answer = request.put(
        f"/api/agent/interviews/{link['id']}/questions", data=questions, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status == 200, answer.text()
    assert request.post(f"/api/interview/{token}/leave", data={"email": "ann@example.com"}).status == 200
    return link


def test_a_completed_interview_becomes_a_readable_exportable_record(page, researcher: Researcher):
    project = researcher.project()
    complete_an_interview(researcher, project["id"])

    page.goto(f"/projects/{project['id']}")
    page.get_by_role("tab", name="Completed 1").click()
    row = page.locator("#links-table tbody tr[data-link-id]")
    expect(row).to_have_count(1)
    expect(row.locator(".badge")).to_have_text("completed")
    expect(row.get_by_role("button", name="Rename")).to_have_count(0)
    records = page.locator("#records-table tbody tr")
    expect(records).to_have_count(1)
    expect(records.first).to_contain_text("ann@example.com")
    expect(records.first).to_contain_text("English")

    records.first.get_by_role("link", name="ann@example.com").click()
    expect(page.get_by_role("heading", name="Interview with ann@example.com")).to_be_visible()
    expect(page.locator('[data-fact="language"]')).to_have_text("English")
    expect(page.locator('[data-fact="reason"]')).to_have_text("Respondent left")
    turns = page.locator("#transcript li")
    expect(turns).to_have_count(2)
    expect(turns.nth(0)).to_contain_text("Interviewer")
    expect(turns.nth(0)).to_contain_text("Tell me about your last purchase.")
    expect(turns.nth(1)).to_contain_text("Respondent")
    expect(turns.nth(1)).to_contain_text("address twice")
    # What each guide question collected, with links to the turns; the one never asked is not reached.
    questions = page.locator("#guide-questions li")
    expect(questions).to_have_count(2)
    expect(questions.nth(0)).to_contain_text("Walk me through your last purchase.")
    expect(questions.nth(0).locator(".badge")).to_have_text("Answered")
    expect(questions.nth(1).locator(".badge")).to_have_text("Not reached")
    expect(page.locator('[data-state="questions-summary"]')).to_have_text("1 answered · 1 not reached")
    questions.nth(0).get_by_role("link", name="2").click()
    expect(page).to_have_url(re.compile(r"#turn-2$"))
    screenshot(page, "record")

    with page.expect_download() as text_download:
        page.get_by_role("button", name="Plain text").click()
    text = open(text_download.value.path(), encoding="utf-8").read()
    assert text_download.value.suggested_filename.endswith(".txt")
    assert "Respondent: ann@example.com" in text
    assert "] Interviewer: Hello! Tell me about your last purchase." in text
    assert "2. What almost stopped you? — Not reached" in text

    with page.expect_download() as markdown_download:
        page.get_by_role("button", name="Markdown").click()
    markdown = open(markdown_download.value.path(), encoding="utf-8").read()
    assert markdown.startswith("# Interview record")
    assert "**Respondent** (" in markdown

    with page.expect_download() as json_download:
        page.get_by_role("button", name="JSON").click()
    record = json.load(open(json_download.value.path(), encoding="utf-8"))
    assert [turn["speaker"] for turn in record["transcript"]] == ["agent", "respondent"]
    assert record["respondent_email"] == "ann@example.com"


def test_dark_mode_pages(page, researcher: Researcher):
    project = researcher.project()
    complete_an_interview(researcher, project["id"])
    researcher.links(project["id"], count=2)
    page.emulate_media(color_scheme="dark")
    page.goto(f"/projects/{project['id']}")
    expect(page.locator("#links-table tbody tr[data-link-id]")).to_have_count(2)
    expect(page.locator("#records-table tbody tr")).to_have_count(1)
    screenshot(page, "project-dark")
    page.locator("#records-table a").click()
    expect(page.locator("#transcript li")).to_have_count(2)
    screenshot(page, "record-dark")


def test_a_batch_is_copied_and_downloaded_whole_and_records_are_filtered(page, researcher: Researcher):
    project = researcher.project()
    batch = researcher.links(project["id"], count=3, name="=Wave")
    complete_an_interview(researcher, project["id"])

    page.goto(f"/projects/{project['id']}")
    heading = page.locator("#links-table tr.batch-row")
    expect(heading).to_have_count(1)
    expect(heading).to_contain_text("Created together: 3 links")
    heading.get_by_role("button", name="Copy all links").click()
    expect(page.locator("#toast")).to_have_text("Copied 3 links, one per line.")
    assert sorted(page.evaluate("navigator.clipboard.readText()").split("\n")) == sorted(x["url"] for x in batch)
    with page.expect_download() as download:
        heading.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert sorted(row["url"] for row in rows) == sorted(x["url"] for x in batch)
    assert all(row["name"].startswith("'=Wave") for row in rows)  # a spreadsheet reads it as text, not a formula

    # The completed tab says when each interview ended, how long it took and what it cost.
    page.get_by_role("tab", name="Completed 1").click()
    expect(page.locator("#links-table thead")).to_contain_text("Tokens charged")
    expect(page.locator("#links-table tbody tr[data-link-id] td").nth(4)).to_have_text("1")

    records = page.locator("#records-table tbody tr")
    expect(records).to_have_count(1)
    filters = page.get_by_role("search", name="Filter records")
    filters.get_by_label("Email contains").fill("nobody@")
    expect(page.get_by_text("No records match these filters.")).to_be_visible()
    filters.get_by_label("Email contains").fill("ANN@")
    expect(records).to_have_count(1)
    filters.get_by_label("Language").select_option("ru")
    expect(records).to_have_count(0)
    filters.get_by_role("button", name="Clear filters").click()
    expect(records).to_have_count(1)
    screenshot(page, "records-filters")


def test_a_test_interview_is_labelled_as_a_test_in_the_records_and_on_its_record(page, researcher: Researcher):
    project = researcher.project()
    status, link = researcher.api("POST", f"/api/projects/{project['id']}/links/test")
    assert status == 201, link
    request = page.request
    token = link["url"].rsplit("/", 1)[1]
    assert request.post(f"/api/interview/{token}/join", data={"email": researcher.email}).status == 200
    assert request.post(f"/api/interview/{token}/leave", data={"email": researcher.email}).status == 200
    page.goto(f"/projects/{project['id']}")
    row = page.locator("#records-table tbody tr")
    expect(row.locator(".badge-test")).to_have_text("Test")
    row.get_by_role("link", name=researcher.email).click()
    expect(page.locator("#test-record")).to_be_visible()
    expect(page.locator("#test-record")).to_contain_text("charged nothing, left out of reports")
