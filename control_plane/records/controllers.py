"""Records of completed interviews."""

from typing import Annotated
from uuid import UUID

from litestar import get
from litestar.params import Parameter

from control_plane.accounts.services import Principal
from control_plane.errors import RESEARCHER, NotFound, documented
from control_plane.records import filters, services
from control_plane.records.schemas import RecordOut, RecordSummary


def _query(description: str, name: str | None = None, **schema: object) -> Parameter:
    return Parameter(query=name, description=description, schema_extra=schema or None)


@get(
    "/api/projects/{project_id:uuid}/records",
    responses=documented(*RESEARCHER, NotFound, filters.InvalidFilter),
)
async def project_records(
    project_id: UUID,
    principal: Principal,
    link: Annotated[str | None, _query("Only the record of this link (its id).", format="uuid")] = None,
    language: Annotated[str | None, _query("Only records in this language.", enum=["auto", "en", "ru"])] = None,
    start: Annotated[
        str | None, _query("Completed on or after this day (YYYY-MM-DD, UTC).", "from", format="date")
    ] = None,
    end: Annotated[
        str | None, _query("Completed on or before this day (YYYY-MM-DD, UTC).", "to", format="date")
    ] = None,
    email: Annotated[str | None, _query("Only respondents whose email contains this text, in any case.")] = None,
) -> list[RecordSummary]:
    """The project's records, newest first; each filter given narrows them (400 invalid_filter when one is bad)."""
    only = filters.parse(link, language, start, end, email)
    return await services.list_for_project(principal.account_id, project_id, only)


@get("/api/records/{record_id:uuid}", responses=documented(*RESEARCHER, NotFound))
async def record(record_id: UUID, principal: Principal) -> RecordOut:
    return await services.get(principal.account_id, record_id)


routes = [project_records, record]
