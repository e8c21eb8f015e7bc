"""Answers by question: each completed interview aligned to the guide, a question × respondent grid with coverage,
and its CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from control_plane.livekit import agent_key
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import GUIDE, Researcher, token_of

QUESTIONS = ["How do you plan your week?", "What gets in the way?", "What would help?"]


async def interview(
    researcher: Researcher,
    settings,
    project_id: str,
    email: str,
    turns: list[tuple[str, str]],
    outcomes: list[tuple[str, list[int], list[int]]] | None,
) -> str:
    """A completed interview with these turns and, unless None, these question outcomes (outcome, asked, answers)."""
    link = (await researcher.links(project_id))["links"][0]
    client = researcher.client
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": email})
    auth = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
    start = utcnow()
    for seq, (speaker, text) in enumerate(turns, 1):
        t = (start + timedelta(seconds=seq)).isoformat()
        r = await client.put(
            f"/api/agent/interviews/{link['id']}/turns/{seq}",
            headers=auth,
            json={"speaker": speaker, "text": text, "started_at": t, "ended_at": t},
        )
        assert r.status_code == 200, r.text
    if outcomes is not None:
        state = {
            "through_seq": len(turns),
            "questions": [
                {"index": i, "question": QUESTIONS[i - 1], "outcome": o, "asked_seqs": a, "answer_seqs": s}
                for i, (o, a, s) in enumerate(outcomes, 1)
            ],
        }
        r = await client.put(f"/api/agent/interviews/{link['id']}/questions", json=state, headers=auth)
        assert r.status_code == 200, r.text
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": email})
    return (await researcher.get(f"/api/links/{link['id']}")).json()["record_id"]


ANN = [
    ("agent", "How do you plan your week?"),
    ("respondent", "Sunday evening, a paper list."),
    ("agent", "What goes on the list?"),
    ("respondent", "Everything the team has to ship."),
    ("agent", "What gets in the way?"),
    ("respondent", "Meetings that run late."),
    ("agent", "What would help?"),
    ("respondent", '=HYPERLINK("http://evil.example") fewer meetings'),
]
BOB = [
    ("agent", "How do you plan your week?"),
    ("respondent", "I don't plan."),
    ("agent", "What gets in the way?"),
    ("respondent", "I'd rather not say."),
]


async def three_interviews(researcher: Researcher, settings) -> tuple[str, list[str]]:
    project_id = (await researcher.project())["id"]
    records = [
        await interview(
            researcher,
            settings,
            project_id,
            "ann@example.com",
            ANN,
            [("probed", [1, 3], [2, 4]), ("answered", [5], [6]), ("answered", [7], [8])],
        ),
        await interview(
            researcher,
            settings,
            project_id,
            "bob@example.com",
            BOB,
            [("answered", [1], [2]), ("skipped", [3], [4]), ("not_reached", [], [])],
        ),
        # An interview from before outcomes were recorded: aligned from the turns that asked each question.
        await interview(
            researcher,
            settings,
            project_id,
            "cy@example.com",
            [
                ("agent", "Hi! To start: how do you plan your week?"),
                ("respondent", "With a shared board."),
                ("respondent", "And a call on Mondays."),
                ("agent", "Thanks. What would help you most?"),
                ("respondent", "A calmer calendar."),
            ],
            None,
        ),
    ]
    return project_id, records


async def test_the_grid_has_each_respondents_answer_to_each_guide_question_with_coverage(researcher, settings):
    project_id, records = await three_interviews(researcher, settings)
    r = await researcher.get(f"/api/projects/{project_id}/answers")
    assert r.status_code == 200, r.text
    grid = r.json()
    assert [(p["label"], p["email"], p["record_id"], p["alignment"]) for p in grid["respondents"]] == [
        ("R1", "ann@example.com", records[0], "recorded"),
        ("R2", "bob@example.com", records[1], "recorded"),
        ("R3", "cy@example.com", records[2], "from_turns"),
    ]
    assert [q["question"] for q in grid["questions"]] == QUESTIONS
    first, second, third = grid["questions"]
    # The answer is every respondent turn on the question, probes included, joined; with the turns to open.
    assert [(a["respondent"], a["outcome"], a["text"], a["answer_seqs"]) for a in first["answers"]] == [
        ("R1", "probed", "Sunday evening, a paper list. Everything the team has to ship.", [2, 4]),
        ("R2", "answered", "I don't plan.", [2]),
        ("R3", "answered", "With a shared board. And a call on Mondays.", [2, 3]),
    ]
    assert first["answers"][0]["asked_seqs"] == [1, 3]
    assert first["coverage"] == {"answered": 3, "of": 3}
    assert second["coverage"] == {"answered": 1, "of": 3}
    assert second["outcomes"] == {"answered": 1, "skipped": 1, "not_reached": 1}
    assert [a["outcome"] for a in third["answers"]] == ["answered", "not_reached", "answered"]
    assert third["answers"][2]["text"] == "A calmer calendar."
    assert third["coverage"] == {"answered": 2, "of": 3}


async def test_an_older_record_whose_turns_never_ask_a_guide_question_is_shown_as_not_aligned(researcher, settings):
    project_id = (await researcher.project())["id"]
    await interview(
        researcher, settings, project_id, "dee@example.com", [("agent", "Hello!"), ("respondent", "Hi.")], None
    )
    grid = (await researcher.get(f"/api/projects/{project_id}/answers")).json()
    assert grid["respondents"][0]["alignment"] == "not_aligned"
    assert grid["questions"] == []


async def test_a_project_without_interviews_has_an_empty_grid_and_the_grid_is_private(
    researcher, other_researcher, settings
):
    project_id = (await researcher.project(guide=GUIDE))["id"]
    empty = (await researcher.get(f"/api/projects/{project_id}/answers")).json()
    assert empty == {"project_id": project_id, "respondents": [], "questions": []}
    for path in ("", "/csv", "/xlsx"):
        r = await other_researcher.get(f"/api/projects/{project_id}/answers{path}")
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert (await researcher.client.get(f"/api/projects/{project_id}/answers")).status_code == 401


async def test_the_csv_export_is_the_grid_and_never_a_formula(researcher, settings):
    project_id, _ = await three_interviews(researcher, settings)
    r = await researcher.get(f"/api/projects/{project_id}/answers/csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["#", "Question", "Answered", "R1 ann@example.com", "R2 bob@example.com", "R3 cy@example.com"]
    assert rows[2][:4] == ["2", QUESTIONS[1], "answered by 1 of 3", "Meetings that run late."]
    assert rows[2][4:] == ["I'd rather not say.", "(Not reached)"]
    assert rows[3][3] == '\'=HYPERLINK("http://evil.example") fewer meetings'
    russian = await researcher.client.get(
        f"/api/projects/{project_id}/answers/csv", headers={**researcher.headers, "Accept-Language": "ru"}
    )
    assert next(csv.reader(io.StringIO(russian.content.decode("utf-8-sig"))))[1] == "Вопрос"


async def test_the_xlsx_export_holds_answers_outcomes_and_respondents_as_text(researcher, settings):
    project_id, records = await three_interviews(researcher, settings)
    r = await researcher.get(f"/api/projects/{project_id}/answers/xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["Answers", "Outcomes", "Respondents"]
    answers = [[c.value for c in row] for row in book["Answers"].iter_rows()]
    assert answers[1][1:4] == [QUESTIONS[0], "answered by 3 of 3", ANN[1][1] + " " + ANN[3][1]]
    formula = book["Answers"].cell(row=4, column=4)
    assert formula.value == ANN[7][1] and formula.data_type == "s"
    outcomes = [[c.value for c in row] for row in book["Outcomes"].iter_rows()]
    assert outcomes[2][3:] == ["Answered", "Skipped", "Not reached"]
    people = [[c.value for c in row] for row in book["Respondents"].iter_rows()]
    assert [p[0] for p in people[1:]] == ["R1", "R2", "R3"]
    assert people[3][4] == "matched from the interviewer's turns"
    assert people[1][5].endswith(f"/records/{records[0]}")


def test_an_older_records_guide_is_read_as_its_questions_without_probes():
    from control_plane.answers.alignment import guide_questions

    guide = "1. How do you cook?\n   - Probe: how often?\nProbe: who shops?\n2. What is hard?\n"
    assert guide_questions(guide) == ["How do you cook?", "What is hard?"]
    assert guide_questions("Tell me about your week. What went well? What did not?") == [
        "What went well?",
        "What did not?",
    ]
