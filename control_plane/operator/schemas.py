"""What the operator's page reads and sends."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec


class WorkerView(msgspec.Struct):
    id: str  # LiveKit's id of the worker (`AW_…`)
    interviews: list[str]  # the interviews in progress whose leases it renewed last
    last_heartbeat: datetime
    seconds_since_heartbeat: float


class RoomView(msgspec.Struct):
    name: str
    interview_id: str | None  # None: a room that is not an interview's
    participants: int
    has_agent: bool
    has_respondent: bool


class InterviewView(msgspec.Struct):
    id: UUID
    started_at: datetime | None
    ends_at: datetime | None
    agent_state: str  # "" none sent yet, "dispatched", "unavailable", "present", "lost"
    agent_seen_at: datetime | None
    worker: str | None


class Today(msgspec.Struct):
    """Since 00:00 UTC."""

    started: int
    completed: int
    # completed by the server because nobody finished them (the agent and the respondent both gone): failures
    failed: int
    expired: int
    by_reason: dict[str, int]


class Overview(msgspec.Struct):
    workers: list[WorkerView]
    rooms: list[RoomView]
    rooms_error: str | None  # LiveKit could not be asked; the rest is from the database
    interviews: list[InterviewView]
    today: Today


class GrantTokens(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    amount: Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # Chosen by the form once per grant: a second submit with the same id grants nothing.
    request_id: UUID


class Granted(msgspec.Struct):
    email: str
    amount: int
    available: int
    granted_now: bool  # False: this request id was granted before; nothing was added
