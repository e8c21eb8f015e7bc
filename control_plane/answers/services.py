"""Answers by question: every completed interview of a project aligned to its guide, as a question × respondent grid.

A record's answers come from the question outcomes its interviewer recorded as it went (`GuideQuestion`); a record
from before those were recorded is aligned from its turns (`alignment.align`) or shown as not aligned. Respondents
are labelled R1, R2, … in completion order, so a label means the same person in the grid, its exports and reports.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from control_plane.answers.alignment import align
from control_plane.answers.schemas import Answer, AnswerGrid, Coverage, QuestionRow, Respondent
from control_plane.projects import services as projects
from control_plane.tables import GuideQuestion, Record, Turn
from control_plane.timeutil import aware

ANSWERED = ("answered", "probed", "clarified")


def analysed(account_id: UUID, project_id: UUID, tests: bool = False):
    """The records the grid and the reports analyse: the project's completed interviews, without the researcher's
    test interviews unless `tests` (a report on records chosen by id may include them)."""
    where = (Record.project == project_id) & (Record.account == account_id)
    return where if tests else where & (Record.is_test == False)  # noqa: E712 - a SQL condition


@dataclass
class Study:
    """A project's completed interviews as the grid and the reports read them."""

    project_id: UUID
    respondents: list[Respondent]
    questions: dict[UUID, list[dict[str, Any]]]  # per record, its guide questions with outcome and turns
    turns: dict[UUID, dict[int, dict[str, Any]]]  # per record, its turns by seq
    by_record: dict[UUID, Respondent] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_record = {r.record_id: r for r in self.respondents}

    def only(self, record_ids: list[UUID] | None) -> Study:
        """The same study narrowed to some records; their labels stay what they are in the whole project."""
        if record_ids is None:
            return self
        keep = set(record_ids)
        return Study(
            self.project_id,
            [r for r in self.respondents if r.record_id in keep],
            {k: v for k, v in self.questions.items() if k in keep},
            {k: v for k, v in self.turns.items() if k in keep},
        )

    def respondent_text(self, record_id: UUID, seqs: list[int]) -> str:
        turns = self.turns.get(record_id, {})
        return " ".join(
            turns[s]["text"].strip() for s in sorted(seqs) if s in turns and turns[s]["speaker"] == "respondent"
        ).strip()


async def study(account_id: UUID, project_id: UUID, tests: bool = False) -> Study:
    """Raises NotFound for another account's project. Respondents are R1, R2, … in completion order; test
    interviews, when asked for, are T1, T2, … so that the respondents' labels are the same with or without them."""
    await projects.get(account_id, project_id)
    rows = (
        await Record.select(
            Record.id,
            Record.link,
            Record.link.name,
            Record.link.frozen_interview_guide,
            Record.respondent_email,
            Record.completed_at,
            Record.is_test,
        )
        .where(analysed(account_id, project_id, tests))
        .order_by(Record.completed_at, Record.id)
    )
    links = [r["link"] for r in rows]
    turns: dict[UUID, dict[int, dict[str, Any]]] = defaultdict(dict)
    stored: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    if links:
        for t in await Turn.select(Turn.link, Turn.seq, Turn.speaker, Turn.text).where(Turn.link.is_in(links)):
            turns[t["link"]][t["seq"]] = t
        for q in (
            await GuideQuestion.select(
                GuideQuestion.link,
                GuideQuestion.position,
                GuideQuestion.question,
                GuideQuestion.outcome,
                GuideQuestion.asked_seqs,
                GuideQuestion.answer_seqs,
            )
            .where(GuideQuestion.link.is_in(links))
            .order_by(GuideQuestion.position)
        ):
            stored[q["link"]].append(
                {
                    "index": q["position"],
                    "question": q["question"],
                    "outcome": q["outcome"],
                    "asked_seqs": json.loads(q["asked_seqs"]),
                    "answer_seqs": json.loads(q["answer_seqs"]),
                }
            )
    respondents, questions, by_seq = [], {}, {}
    counted = {False: 0, True: 0}
    for row in rows:
        counted[row["is_test"]] += 1
        record_turns = turns.get(row["link"], {})
        if stored.get(row["link"]):
            found, alignment = stored[row["link"]], "recorded"
        else:
            ordered = [record_turns[s] for s in sorted(record_turns)]
            found = align(row["link.frozen_interview_guide"] or "", ordered)
            alignment = "from_turns" if found else "not_aligned"
        respondents.append(
            Respondent(
                label=f"{'T' if row['is_test'] else 'R'}{counted[row['is_test']]}",
                record_id=row["id"],
                email=row["respondent_email"],
                link_name=row["link.name"],
                completed_at=aware(row["completed_at"]),
                alignment=alignment,
            )
        )
        questions[row["id"]] = found
        by_seq[row["id"]] = record_turns
    return Study(project_id, respondents, questions, by_seq)


def _key(question: str) -> str:
    return re.sub(r"\W+", " ", question).strip().casefold()


def grid(found: Study) -> AnswerGrid:
    """Rows are the guide's questions (the union over the records, in guide order; the same wording is one row),
    columns the respondents; every row has a cell for every respondent."""
    first_seen: dict[str, tuple[int, int, str]] = {}
    cells: dict[str, dict[UUID, dict[str, Any]]] = defaultdict(dict)
    for respondent in found.respondents:
        for q in found.questions[respondent.record_id]:
            key = _key(q["question"])
            first_seen.setdefault(key, (q["index"], len(first_seen), q["question"]))
            cells[key].setdefault(respondent.record_id, q)
    rows = []
    for number, key in enumerate(sorted(first_seen, key=first_seen.__getitem__), start=1):
        answers, outcomes = [], defaultdict(int)
        for respondent in found.respondents:
            q = cells[key].get(respondent.record_id)
            if q is not None:
                outcomes[q["outcome"]] += 1
            answers.append(
                Answer(
                    respondent=respondent.label,
                    record_id=respondent.record_id,
                    outcome=q["outcome"] if q else None,
                    text=found.respondent_text(respondent.record_id, q["answer_seqs"]) if q else "",
                    answer_seqs=sorted(q["answer_seqs"]) if q else [],
                    asked_seqs=sorted(q["asked_seqs"]) if q else [],
                )
            )
        rows.append(
            QuestionRow(
                index=number,
                question=first_seen[key][2],
                coverage=Coverage(
                    answered=sum(n for o, n in outcomes.items() if o in ANSWERED), of=len(found.respondents)
                ),
                outcomes=dict(outcomes),
                answers=answers,
            )
        )
    return AnswerGrid(project_id=found.project_id, respondents=found.respondents, questions=rows)


async def for_project(account_id: UUID, project_id: UUID) -> AnswerGrid:
    return grid(await study(account_id, project_id))
