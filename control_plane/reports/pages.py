"""The report's page: server-rendered, print-ready, following the report's progress until it is written."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Router, get
from litestar.response import Template

from control_plane.errors import NotFound
from control_plane.i18n import language_of, translate
from control_plane.pages.researcher import page, require_session
from control_plane.projects import services as projects
from control_plane.reports import services


@get("/reports/{report_id:uuid}")
async def report_page(request: Request, report_id: UUID) -> Template:
    account_id = request.state.principal.account_id
    try:
        report = await services.get(account_id, report_id)
    except NotFound:
        return Template(template_name="not_found.html", context={"what": "report"}, status_code=404)
    project = await projects.get(account_id, report.project_id)
    title = translate(
        language_of(request), "report.title_project" if report.kind == "project" else "report.title_single"
    )
    return page(request, "report.html", nav="projects", report=report, project=project, title=title)


routes = [Router(path="/", route_handlers=[report_page], before_request=require_session, include_in_schema=False)]
