"""Interview links: created in batches under a project, then listed, edited and cancelled one by one."""

from typing import Literal
from uuid import UUID

from litestar import Controller, Request, get, patch, post

from control_plane.accounts.services import Principal
from control_plane.body import read
from control_plane.links import services
from control_plane.links.schemas import LinkChanges, NewLinks
from control_plane.settings import Settings


class ProjectLinksController(Controller):
    path = "/api/projects/{project_id:uuid}/links"

    @post("/", status_code=201)
    async def create(self, project_id: UUID, request: Request, principal: Principal, settings: Settings) -> dict:
        data = await read(request, NewLinks)
        created, reserved, warnings = await services.create_batch(
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
        return {"links": created, "reserved_tokens": reserved, "warnings": warnings}

    @get("/")
    async def list(
        self,
        project_id: UUID,
        principal: Principal,
        settings: Settings,
        tab: Literal["active", "completed", "archived"] = "active",
    ) -> list[dict]:
        return await services.list_for_project(principal.account_id, project_id, tab, settings)


class LinkController(Controller):
    path = "/api/links/{link_id:uuid}"

    @get("/")
    async def get(self, link_id: UUID, principal: Principal, settings: Settings) -> dict:
        return await services.get(principal.account_id, link_id, settings)

    @patch("/")
    async def edit(self, link_id: UUID, request: Request, principal: Principal, settings: Settings) -> dict:
        data = await read(request, LinkChanges)
        return await services.edit(principal.account_id, link_id, settings, data.changes())

    @post("/cancel", status_code=200)
    async def cancel(self, link_id: UUID, principal: Principal, settings: Settings) -> dict:
        return await services.cancel(principal.account_id, link_id, settings)
