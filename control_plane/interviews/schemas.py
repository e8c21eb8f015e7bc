"""Request bodies of the respondent's and the agent's endpoints."""

from datetime import datetime
from typing import Annotated, Literal

import msgspec


class RespondentEmail(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]


class TurnIn(msgspec.Struct, forbid_unknown_fields=True):
    speaker: Literal["agent", "respondent"]
    text: Annotated[str, msgspec.Meta(max_length=20_000)]
    started_at: datetime
    ended_at: datetime


class Completion(msgspec.Struct, forbid_unknown_fields=True):
    # "respondent": the respondent asked the interviewer to end it.
    reason: Literal["timer", "left", "agent_end", "respondent"]
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


Seqs = Annotated[list[Annotated[int, msgspec.Meta(ge=1)]], msgspec.Meta(max_length=1000)]


class GuideQuestionIn(msgspec.Struct, forbid_unknown_fields=True):
    index: Annotated[int, msgspec.Meta(ge=1, le=200)]
    question: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    outcome: Literal["pending", "asked", "answered", "probed", "clarified", "skipped", "not_reached"]
    asked_seqs: Seqs = msgspec.field(default_factory=list)
    answer_seqs: Seqs = msgspec.field(default_factory=list)


class GuideQuestionsIn(msgspec.Struct, forbid_unknown_fields=True):
    through_seq: Annotated[int, msgspec.Meta(ge=0)]
    questions: Annotated[list[GuideQuestionIn], msgspec.Meta(max_length=200)]
