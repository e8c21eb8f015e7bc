"""Records: completed interviews, each with its transcript and where each guide question ended up (answered,
probed, clarified, skipped, not reached, with the turns on it), private to the account that owns the project."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from control_plane.errors import NotFound
from control_plane.interviews.schemas import GuideQuestionOut, TranscriptTurn
from control_plane.interviews.services import questions_of, turns_of
from control_plane.projects import services as projects
from control_plane.records.filters import RecordFilter
from control_plane.records.schemas import RecordOut, RecordSummary
from control_plane.tables import Record
from control_plane.timeutil import aware

FIELDS = (
    Record.id,
    Record.project,
    Record.link,
    Record.link.name,
    Record.respondent_email,
    Record.language,
    Record.started_at,
    Record.completed_at,
    Record.duration_seconds,
    Record.is_test,
    Record.link.completion_reason,
    Record.link.end_note,
    Record.link.charged_tokens,
)


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "project_id": row["project"],
        "link_id": row["link"],
        "link_name": row["link.name"],
        "respondent_email": row["respondent_email"],
        "language": row["language"],
        "started_at": aware(row["started_at"]),
        "completed_at": aware(row["completed_at"]),
        "duration_seconds": row["duration_seconds"],
        "is_test": row["is_test"],
        "completion_reason": row["link.completion_reason"],
        "end_note": row["link.end_note"],
        "charged_tokens": row["link.charged_tokens"],
    }


async def list_for_project(account_id: UUID, project_id: UUID, only: RecordFilter | None = None) -> list[RecordSummary]:
    """The project's records, newest first, narrowed by `only` (link, language, days completed, part of the email)."""
    only = only or RecordFilter()
    await projects.get(account_id, project_id)
    where = (Record.project == project_id) & (Record.account == account_id)
    if only.link:
        where &= Record.link == only.link
    if only.language:
        where &= Record.language == only.language
    if only.completed_from:
        where &= Record.completed_at >= only.completed_from
    if only.completed_before:
        where &= Record.completed_at < only.completed_before
    rows = await Record.select(*FIELDS).where(where).order_by(Record.completed_at, ascending=False)
    return [RecordSummary(**_fields(r)) for r in rows if only.matches_email(r["respondent_email"])]


async def owned(account_id: UUID, record_id: UUID) -> bool:
    return await Record.exists().where((Record.id == record_id) & (Record.account == account_id))


async def get(account_id: UUID, record_id: UUID) -> RecordOut:
    row = await Record.select(*FIELDS).where((Record.id == record_id) & (Record.account == account_id)).first()
    if row is None:
        raise NotFound("No such record.")
    return RecordOut(
        **_fields(row),
        transcript=[TranscriptTurn(**t) for t in await turns_of(row["link"])],
        questions=[GuideQuestionOut(**q) for q in await questions_of(row["link"])],
    )
