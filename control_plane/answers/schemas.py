"""Response bodies of the answers-by-question endpoints: the question × respondent grid of a project."""

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from control_plane.interviews.schemas import Outcome

# How a record's turns were matched to the guide's questions: "recorded" by the interviewer as it went,
# inferred "from_turns" (older records: the interviewer's turns that asked each question), or "not_aligned".
Alignment = Literal["recorded", "from_turns", "not_aligned"]


class Respondent(msgspec.Struct):
    """One completed interview, a column of the grid. `label` (R1, R2, …) follows completion order and stays put."""

    label: str
    record_id: UUID
    email: str
    link_name: str
    completed_at: datetime
    alignment: Alignment


class Answer(msgspec.Struct):
    """What one respondent said to one guide question: the answer turns' text joined, and the turns, so a cell can
    open them in the record (`/records/<record_id>#turn-<seq>`). `outcome` is None where the question was not in
    that interview's guide, or the record is not aligned."""

    respondent: str
    record_id: UUID
    outcome: Outcome | None
    text: str
    answer_seqs: list[int]
    asked_seqs: list[int]


class Coverage(msgspec.Struct):
    answered: int  # answered, probed or clarified
    of: int  # the respondents in the grid


class QuestionRow(msgspec.Struct):
    """One guide question, a row of the grid: every respondent's answer in the respondents' order."""

    index: int
    question: str
    coverage: Coverage
    outcomes: dict[str, int]  # how many respondents got each outcome
    answers: list[Answer]


class AnswerGrid(msgspec.Struct):
    project_id: UUID
    respondents: list[Respondent]
    questions: list[QuestionRow]
