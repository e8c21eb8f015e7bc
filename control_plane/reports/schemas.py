"""Request and response bodies of the report endpoints."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec


class ProjectReportRequest(msgspec.Struct, forbid_unknown_fields=True):
    record_ids: list[UUID] | None = None  # all of the project's records when omitted


class ReportOut(msgspec.Struct):
    """A report; `content` is set once, with status `done` (summary, findings, quotes, themes, …)."""

    id: UUID
    kind: Literal["single", "project"]
    project_id: UUID
    record_id: UUID | None
    record_ids: list[UUID]
    status: Literal["queued", "running", "done", "failed"]
    progress: int
    error: str | None
    model: str
    prompt_version: str
    content: dict[str, Any] | None
    created_at: datetime
    finished_at: datetime | None
