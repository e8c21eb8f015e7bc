"""Request and response bodies of the respondent's and the agent's endpoints."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar.params import Parameter

# Turns are numbered from 1; the column is a 32-bit integer on every database.
MAX_SEQ = 2**31 - 1
Seq = Annotated[int, Parameter(ge=1, le=MAX_SEQ, description="The turn's number, from 1, assigned by the agent.")]
# Where a guide question stands (control_plane.tables.QuestionOutcome).
Outcome = Literal["pending", "asked", "answered", "probed", "clarified", "skipped", "not_reached"]


class RespondentEmail(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]


class TurnIn(msgspec.Struct, forbid_unknown_fields=True):
    speaker: Literal["agent", "respondent"]
    text: Annotated[str, msgspec.Meta(max_length=20_000)]
    started_at: Annotated[datetime, msgspec.Meta(tz=True)]
    ended_at: Annotated[datetime, msgspec.Meta(tz=True)]


class Completion(msgspec.Struct, forbid_unknown_fields=True):
    # "respondent": the respondent asked the interviewer to end it.
    reason: Literal["timer", "left", "agent_end", "respondent"]
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class PublicInterview(msgspec.Struct):
    """What the respondent's page may know: never the research goals or the guide."""

    status: Literal["pending", "active"]
    duration_minutes: int
    language: str
    topics: list[str]
    ends_at: datetime | None
    # While the interview is in progress, where it stands with its interviewer: "connecting", "present",
    # "reconnecting" (its worker died; another is on its way) or "busy" (no worker is free yet; the control plane
    # keeps trying). The page says so in words while no interviewer is in the room. None before the first join.
    interviewer: Literal["connecting", "present", "reconnecting", "busy"] | None
    test: bool = False  # the researcher's own test interview (the page says so)


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


class GuideQuestionOut(msgspec.Struct):
    """One guide question of one interview: its outcome, the agent turns that asked it and the respondent's on it."""

    index: int
    question: str
    outcome: Outcome
    asked_seqs: list[int]
    answer_seqs: list[int]


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
    questions: list[GuideQuestionOut]  # where each guide question stood when last posted, to resume from


class TurnStored(msgspec.Struct):
    seq: int
    created: bool  # false: the same turn was stored before (a retry)


class CompletionState(msgspec.Struct):
    interview_id: UUID
    status: Literal["active", "completed"]
    completed_at: datetime | None
    completion_reason: str | None
    end_note: str | None  # why it ended, in the interviewer's words


Seqs = Annotated[list[Annotated[int, msgspec.Meta(ge=1, le=MAX_SEQ)]], msgspec.Meta(max_length=1000)]


class GuideQuestionIn(msgspec.Struct, forbid_unknown_fields=True):
    index: Annotated[int, msgspec.Meta(ge=1, le=200)]
    question: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    outcome: Outcome
    asked_seqs: Seqs = msgspec.field(default_factory=list)
    answer_seqs: Seqs = msgspec.field(default_factory=list)


class GuideQuestionsIn(msgspec.Struct, forbid_unknown_fields=True):
    """Where every guide question stands as of turn `through_seq`; an older state never replaces a newer one."""

    through_seq: Annotated[int, msgspec.Meta(ge=0, le=MAX_SEQ)]
    questions: Annotated[list[GuideQuestionIn], msgspec.Meta(max_length=200)]


class QuestionsStored(msgspec.Struct):
    through_seq: int
    stored: bool  # false: a state as new or newer was stored before (a retry, or one that came late)


# The workers' leases (control_plane.leases).
MAX_HELD = 1000


class Held(msgspec.Struct, forbid_unknown_fields=True):
    interview_id: Annotated[str, msgspec.Meta(max_length=64)]
    agent_key: Annotated[str, msgspec.Meta(max_length=128)]


class Heartbeat(msgspec.Struct, forbid_unknown_fields=True):
    """Every interview a worker runs, each with the agent key its dispatch carried, and the worker's LiveKit id
    (shown to operators beside the interviews it holds). A worker holding none is listed only with `proof`: the
    hex HMAC-SHA256 of `worker:<worker>:<at>` under the LiveKit API secret, `at` within a minute of now (Unix
    seconds)."""

    interviews: Annotated[list[Held], msgspec.Meta(max_length=MAX_HELD)]
    worker: Annotated[str, msgspec.Meta(max_length=80)] = ""
    at: Annotated[int, msgspec.Meta(ge=0, le=2**40)] = 0
    proof: Annotated[str, msgspec.Meta(max_length=128)] = ""


class Leases(msgspec.Struct):
    renewed: list[str]  # the interviews whose lease this heartbeat renewed
    not_renewed: list[str]  # the others asked for: a wrong key, or an interview no longer in progress
