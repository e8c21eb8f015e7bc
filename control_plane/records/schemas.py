"""Response bodies of the record endpoints."""

from datetime import datetime
from uuid import UUID

import msgspec

from control_plane.interviews.schemas import GuideQuestionOut, TranscriptTurn


class RecordSummary(msgspec.Struct):
    id: UUID
    project_id: UUID
    link_id: UUID
    link_name: str
    respondent_email: str
    language: str
    started_at: datetime
    completed_at: datetime
    duration_seconds: int
    is_test: bool  # the researcher's own test interview: reports leave it out unless it is chosen
    completion_reason: str | None
    end_note: str | None  # why the interview ended, in the interviewer's words
    charged_tokens: int


class RecordOut(RecordSummary):
    transcript: list[TranscriptTurn]
    questions: list[GuideQuestionOut]  # where each guide question ended up, in the guide's order
