"""Records of completed interviews."""

from uuid import UUID

from litestar import get

from control_plane.accounts.services import Principal
from control_plane.errors import RESEARCHER, NotFound, documented
from control_plane.records import services
from control_plane.records.schemas import RecordOut, RecordSummary


@get("/api/projects/{project_id:uuid}/records", responses=documented(*RESEARCHER, NotFound))
async def project_records(project_id: UUID, principal: Principal) -> list[RecordSummary]:
    return await services.list_for_project(principal.account_id, project_id)


@get("/api/records/{record_id:uuid}", responses=documented(*RESEARCHER, NotFound))
async def record(record_id: UUID, principal: Principal) -> RecordOut:
    return await services.get(principal.account_id, record_id)


routes = [project_records, record]
