"""Interview links: created in batches under a project, then listed, edited and cancelled one by one."""

from typing import Literal
from uuid import UUID

from litestar import Controller, Response, get, patch, post

from control_plane.accounts.services import Principal
from control_plane.errors import (
    BODY,
    RESEARCHER,
    RESEARCHER_WRITE,
    ContextMissing,
    InsufficientTokens,
    InvalidInput,
    InvalidStatus,
    NotFound,
    UnknownVoice,
    documented,
)
from control_plane.links import services
from control_plane.links.export import links_csv
from control_plane.links.schemas import CreatedLinks, LinkChanges, LinkOut, NewLinks, NewTestInterview
from control_plane.settings import Settings


class ProjectLinksController(Controller):
    path = "/api/projects/{project_id:uuid}/links"

    @post(
        "/",
        status_code=201,
        responses=documented(*RESEARCHER_WRITE, *BODY, NotFound, InsufficientTokens, ContextMissing, UnknownVoice),
    )
    async def create(self, project_id: UUID, data: NewLinks, principal: Principal, settings: Settings) -> CreatedLinks:
        return await services.create_batch(
            principal.account_id,
            project_id,
            settings,
            count=data.count,
            duration_minutes=data.duration_minutes,
            expires_in_days=data.expires_in_days,
            voice=data.voice,
            language=data.language,
            topics=[t.strip() for t in data.topics],
            name=data.name.strip() if data.name else None,
        )

    @post(
        "/test",
        status_code=201,
        responses=documented(*RESEARCHER_WRITE, *BODY, NotFound, ContextMissing, UnknownVoice),
    )
    async def create_test(
        self, project_id: UUID, principal: Principal, settings: Settings, data: NewTestInterview | None = None
    ) -> LinkOut:
        """A test interview for the researcher: free, marked as a test, left out of reports unless chosen."""
        data = data or NewTestInterview()
        return await services.create_test(
            principal.account_id,
            project_id,
            settings,
            duration_minutes=data.duration_minutes,
            language=data.language,
            voice=data.voice,
        )

    @get("/", responses=documented(*RESEARCHER, NotFound, InvalidInput))
    async def list(
        self,
        project_id: UUID,
        principal: Principal,
        settings: Settings,
        tab: Literal["active", "completed", "archived"] = "active",
    ) -> list[LinkOut]:
        return await services.list_for_project(principal.account_id, project_id, tab, settings)


class LinkController(Controller):
    path = "/api/links/{link_id:uuid}"

    @get("/", responses=documented(*RESEARCHER, NotFound))
    async def get(self, link_id: UUID, principal: Principal, settings: Settings) -> LinkOut:
        return await services.get(principal.account_id, link_id, settings)

    @patch("/", responses=documented(*RESEARCHER_WRITE, *BODY, NotFound, InvalidStatus))
    async def edit(self, link_id: UUID, data: LinkChanges, principal: Principal, settings: Settings) -> LinkOut:
        return await services.edit(principal.account_id, link_id, settings, data.changes())

    @post("/cancel", status_code=200, responses=documented(*RESEARCHER_WRITE, NotFound, InvalidStatus))
    async def cancel(self, link_id: UUID, principal: Principal, settings: Settings) -> LinkOut:
        return await services.cancel(principal.account_id, link_id, settings)


@get("/api/batches/{batch_id:uuid}/links.csv", media_type="text/csv", responses=documented(*RESEARCHER, NotFound))
async def batch_csv(batch_id: UUID, principal: Principal, settings: Settings) -> Response[str]:
    """The links created together in one request, as CSV (one row per link, its address in `url`)."""
    rows = await services.batch_rows(principal.account_id, batch_id, settings)
    return Response(
        links_csv(rows, settings),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="links-{batch_id}.csv"'},
    )
