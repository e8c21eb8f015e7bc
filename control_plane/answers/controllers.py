"""Answers by question: the project's question × respondent grid, as JSON and as CSV or XLSX files."""

from __future__ import annotations

from uuid import UUID

from litestar import Request, Response, get

from control_plane.accounts.services import Principal
from control_plane.answers import services
from control_plane.answers.exports import to_csv, to_xlsx
from control_plane.answers.schemas import AnswerGrid
from control_plane.errors import RESEARCHER, NotFound, documented
from control_plane.i18n import language_of
from control_plane.settings import Settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@get("/api/projects/{project_id:uuid}/answers", responses=documented(*RESEARCHER, NotFound))
async def answers(project_id: UUID, principal: Principal) -> AnswerGrid:
    """Every guide question with each completed interview's answer (R1, R2, … in completion order), its outcome,
    the turns it comes from, and how many respondents answered it."""
    return await services.for_project(principal.account_id, project_id)


def _file(content: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@get("/api/projects/{project_id:uuid}/answers/csv", media_type="text/csv", responses=documented(*RESEARCHER, NotFound))
async def answers_csv(project_id: UUID, principal: Principal, request: Request) -> Response[bytes]:
    """The grid's answers as CSV (UTF-8), headings in the `lang` cookie's language, else Accept-Language's."""
    grid = await services.for_project(principal.account_id, project_id)
    return _file(to_csv(grid, language_of(request)), "text/csv", f"answers-{project_id}.csv")


@get("/api/projects/{project_id:uuid}/answers/xlsx", media_type=XLSX, responses=documented(*RESEARCHER, NotFound))
async def answers_xlsx(project_id: UUID, principal: Principal, request: Request, settings: Settings) -> Response[bytes]:
    """The grid as an Excel workbook: answers, outcomes, and the respondents with a link to each record."""
    grid = await services.for_project(principal.account_id, project_id)
    content = to_xlsx(grid, language_of(request), settings.public_base_url)
    return _file(content, XLSX, f"answers-{project_id}.xlsx")


routes = [answers, answers_csv, answers_xlsx]
