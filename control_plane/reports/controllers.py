"""Reports by API: ask for one, follow its progress, read it, export it as Markdown."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Response, get, post

from control_plane.accounts.services import Principal
from control_plane.errors import BODY, RESEARCHER, RESEARCHER_WRITE, NotFound, documented
from control_plane.i18n import language_of
from control_plane.projects import services as projects
from control_plane.reports import services
from control_plane.reports.render import to_markdown
from control_plane.reports.schemas import ProjectReportRequest, ReportOut
from control_plane.reports.services import NoRecords
from control_plane.settings import Settings


@post("/api/records/{record_id:uuid}/reports", status_code=202, responses=documented(*RESEARCHER_WRITE, NotFound))
async def create_single(record_id: UUID, principal: Principal, settings: Settings, request: Request) -> ReportOut:
    report = await services.create_single(principal.account_id, record_id, settings)
    request.app.state.reports.submit(report.id)
    return report


@get("/api/records/{record_id:uuid}/reports", responses=documented(*RESEARCHER, NotFound))
async def record_reports(record_id: UUID, principal: Principal) -> list[ReportOut]:
    return await services.list_for_record(principal.account_id, record_id)


@post(
    "/api/projects/{project_id:uuid}/reports",
    status_code=202,
    responses=documented(*RESEARCHER_WRITE, *BODY, NotFound, NoRecords),
)
async def create_project(
    project_id: UUID,
    principal: Principal,
    settings: Settings,
    request: Request,
    data: ProjectReportRequest | None = None,
) -> ReportOut:
    chosen = data.record_ids if data else None
    report = await services.create_project(principal.account_id, project_id, chosen, settings)
    request.app.state.reports.submit(report.id)
    return report


@get("/api/projects/{project_id:uuid}/reports", responses=documented(*RESEARCHER, NotFound))
async def project_reports(project_id: UUID, principal: Principal) -> list[ReportOut]:
    return await services.list_for_project(principal.account_id, project_id)


@get("/api/reports/{report_id:uuid}", responses=documented(*RESEARCHER, NotFound))
async def report(report_id: UUID, principal: Principal) -> ReportOut:
    return await services.get(principal.account_id, report_id)


@get("/api/reports/{report_id:uuid}/markdown", media_type="text/markdown", responses=documented(*RESEARCHER, NotFound))
async def report_markdown(report_id: UUID, principal: Principal, request: Request, settings: Settings) -> Response[str]:
    """In the language of the `lang` cookie, else of the request's Accept-Language."""
    found = await services.get(principal.account_id, report_id)
    project = await projects.get(principal.account_id, found.project_id)
    return Response(
        to_markdown(found, project.name, language_of(request), settings.public_base_url),
        media_type="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="report-{report_id}.md"'},
    )


routes = [create_single, record_reports, create_project, project_reports, report, report_markdown]
