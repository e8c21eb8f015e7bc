"""Request and response bodies of the respondent's and the agent's endpoints."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar.params import Parameter

# Turns are numbered from 1; the column is a 32-bit integer on every database.
Seq = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="The turn's number, from 1, assigned by the agent.")]


class RespondentEmail(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]


class TurnIn(msgspec.Struct, forbid_unknown_fields=True):
    speaker: Literal["agent", "respondent"]
    text: Annotated[str, msgspec.Meta(max_length=20_000)]
    started_at: Annotated[datetime, msgspec.Meta(tz=True)]
    ended_at: Annotated[datetime, msgspec.Meta(tz=True)]


class Completion(msgspec.Struct, forbid_unknown_fields=True):
    reason: Literal["timer", "left", "agent_end"]


class PublicInterview(msgspec.Struct):
    """What the respondent's page may know: never the research goals or the guide."""

    status: Literal["pending", "active"]
    duration_minutes: int
    language: str
    topics: list[str]
    ends_at: datetime | None


class RoomAccess(msgspec.Struct):
    """The respondent's way into the interview's LiveKit room; the token grants that one room only."""

    livekit_url: str
    token: str
    room: str
    identity: str
    ends_at: datetime
    interview_id: UUID


class LeftInterview(msgspec.Struct):
    interview_id: UUID
    status: Literal["completed"]
    completed_at: datetime | None


class TranscriptTurn(msgspec.Struct):
    seq: int
    speaker: Literal["agent", "respondent"]
    text: str
    started_at: datetime
    ended_at: datetime


class AgentInterview(msgspec.Struct):
    """The interview as its agent sees it: the context frozen at start, and the turns so far to resume from."""

    interview_id: UUID
    room: str
    status: Literal["active", "completed"]
    research_goals: str | None
    interview_guide: str | None
    topics: list[str]
    language: str
    voice: str
    duration_minutes: int
    started_at: datetime
    ends_at: datetime
    turns: list[TranscriptTurn]


class TurnStored(msgspec.Struct):
    seq: int
    created: bool  # false: the same turn was stored before (a retry)


class CompletionState(msgspec.Struct):
    interview_id: UUID
    status: Literal["active", "completed"]
    completed_at: datetime | None
    completion_reason: str | None
