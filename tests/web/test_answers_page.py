"""Answers by question on the project page: the question × respondent grid with coverage, each answer opening its
turns in the record, and the grid downloaded as CSV and XLSX and read back."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.web.conftest import SECRET_KEY, Researcher, screenshot

GUIDE = "1. Walk me through your last purchase.\n2. What almost stopped you?"
QUESTIONS = ["Walk me through your last purchase.", "What almost stopped you?"]


def interview(researcher: Researcher, project_id: str, email: str, turns: list[tuple[str, str]], outcomes) -> None:
    """A respondent joins, the agent posts the turns (and, unless None, the question outcomes), the respondent
    leaves: the control plane makes a record."""
    [link] = researcher.links(project_id)
    request = researcher.page.request
    token = link["url"].rsplit("/", 1)[1]
    assert request.post(f"/api/interview/{token}/join", data={"email": email}).status == 200
    auth = {
        "Authorization": "Bearer "
        + hmac.new(SECRET_KEY.encode(), f"agent:{link['id']}".encode(), hashlib.sha256).hexdigest()
    }
    start = datetime.now(UTC)
    for seq, (speaker, text) in enumerate(turns, start=1):
        at = (start + timedelta(seconds=seq)).isoformat()
        body = {"speaker": speaker, "text": text, "started_at": at, "ended_at": at}
        assert request.put(f"/api/agent/interviews/{link['id']}/turns/{seq}", data=body, headers=auth).status == 200
    if outcomes is not None:
        state = {
            "through_seq": len(turns),
            "questions": [
                {"index": i, "question": QUESTIONS[i - 1], "outcome": o, "asked_seqs": a, "answer_seqs": s}
                for i, (o, a, s) in enumerate(outcomes, start=1)
            ],
        }
        assert request.put(f"/api/agent/interviews/{link['id']}/questions", data=state, headers=auth).status == 200
    assert request.post(f"/api/interview/{token}/leave", data={"email": email}).status == 200


def test_the_project_page_shows_answers_by_question_and_exports_them(page, researcher: Researcher):
    project = researcher.project(guide=GUIDE)
    interview(
        researcher,
        project["id"],
        "ann@example.com",
        [
            ("agent", "Walk me through your last purchase."),
            ("respondent", "Running shoes, bought on my phone."),
            ("agent", "What almost stopped you?"),
            ("respondent", "The checkout asked for my address twice."),
        ],
        [("answered", [1], [2]), ("answered", [3], [4])],
    )
    interview(
        researcher,
        project["id"],
        "bo@example.com",
        [("agent", "Walk me through your last purchase."), ("respondent", "=1+1 a gift card")],
        [("answered", [1], [2]), ("not_reached", [], [])],
    )
    # An older interview, without recorded outcomes: matched to the guide from the interviewer's turns.
    interview(
        researcher,
        project["id"],
        "cy@example.com",
        [("agent", "So, what almost stopped you?"), ("respondent", "Shipping costs.")],
        None,
    )

    page.goto(f"/projects/{project['id']}")
    grid = page.locator("#answers-grid")
    expect(grid).to_be_visible()
    expect(grid.locator("thead th")).to_have_text(
        ["Question", "Answered", re.compile("^R1"), re.compile("^R2"), re.compile(r"^R3 \*")]
    )
    expect(grid.locator("thead th").nth(2)).to_contain_text("ann@example.com")
    rows = grid.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text(f"1. {QUESTIONS[0]}")
    expect(rows.nth(0).locator(".coverage")).to_have_text("answered by 2 of 3")
    expect(rows.nth(1).locator(".coverage")).to_have_text("answered by 2 of 3")
    expect(rows.nth(1).locator("td.answer-cell").nth(1)).to_contain_text("Not reached")
    expect(rows.nth(1).locator("td.answer-cell").nth(2)).to_contain_text("Shipping costs.")
    expect(page.locator("#answers-from-turns")).to_contain_text("1 older interview (marked *)")
    screenshot(page, "answers-grid")

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    lines = list(csv.reader(io.StringIO(open(csv_download.value.path(), encoding="utf-8-sig").read())))
    assert lines[0] == ["#", "Question", "Answered", "R1 ann@example.com", "R2 bo@example.com", "R3 cy@example.com"]
    assert lines[1][3:] == ["Running shoes, bought on my phone.", "'=1+1 a gift card", "(Not reached)"]
    assert lines[2][2:] == [
        "answered by 2 of 3",
        "The checkout asked for my address twice.",
        "(Not reached)",
        "Shipping costs.",
    ]

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(open(xlsx_download.value.path(), "rb").read()))
    answers = [[c.value for c in row] for row in book["Answers"].iter_rows()]
    assert answers[1][3:] == ["Running shoes, bought on my phone.", "=1+1 a gift card", "(Not reached)"]
    assert book["Answers"].cell(row=2, column=5).data_type == "s"
    assert [[c.value for c in row] for row in book["Outcomes"].iter_rows()][2][3:] == [
        "Answered",
        "Not reached",
        "Answered",
    ]

    # An answer opens its turn in the record.
    rows.nth(0).locator("td.answer-cell").nth(0).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/records/[0-9a-f-]+#turn-2$"))
    expect(page.locator("#turn-2")).to_contain_text("Running shoes, bought on my phone.")
    expect(page.locator("#turn-2")).to_be_in_viewport()


def test_a_project_without_interviews_says_its_grid_is_empty(page, researcher: Researcher):
    project = researcher.project(guide=GUIDE)
    page.goto(f"/projects/{project['id']}")
    expect(page.get_by_text("No answers yet.")).to_be_visible()
    expect(page.locator("#answers-grid")).to_be_hidden()


def test_an_interview_that_cannot_be_aligned_to_the_guide_is_named_as_such(page, researcher: Researcher):
    project = researcher.project(guide=GUIDE)
    interview(researcher, project["id"], "dee@example.com", [("agent", "Hello!"), ("respondent", "Hi.")], None)
    page.goto(f"/projects/{project['id']}")
    expect(page.locator("#answers-not-aligned")).to_contain_text("1 older interview (marked †) could not be aligned")
    expect(page.get_by_text("No guide question could be matched to these interviews.")).to_be_visible()
