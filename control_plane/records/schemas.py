"""Response bodies of the record endpoints."""

from datetime import datetime
from uuid import UUID

import msgspec

from control_plane.interviews.schemas import TranscriptTurn


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
    completion_reason: str | None


class RecordOut(RecordSummary):
    transcript: list[TranscriptTurn]
