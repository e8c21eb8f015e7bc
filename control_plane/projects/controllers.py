"""Projects and their research context."""

from uuid import UUID

from litestar import Controller, get, patch, post, put

from control_plane.accounts.services import Principal
from control_plane.errors import BODY, RESEARCHER, RESEARCHER_WRITE, NotFound, documented
from control_plane.projects import services
from control_plane.projects.schemas import NewProject, ProjectContext, ProjectOut


class ProjectController(Controller):
    path = "/api/projects"

    @post("/", status_code=201, responses=documented(*RESEARCHER_WRITE, *BODY))
    async def create(self, data: NewProject, principal: Principal) -> ProjectOut:
        return await services.create(principal.account_id, data.name.strip() or "Untitled project")

    @get("/", responses=documented(*RESEARCHER))
    async def list(self, principal: Principal) -> list[ProjectOut]:
        return await services.list_for(principal.account_id)

    @get("/{project_id:uuid}", responses=documented(*RESEARCHER, NotFound))
    async def get(self, project_id: UUID, principal: Principal) -> ProjectOut:
        return await services.get(principal.account_id, project_id)

    @patch("/{project_id:uuid}", responses=documented(*RESEARCHER_WRITE, *BODY, NotFound))
    async def rename(self, project_id: UUID, data: NewProject, principal: Principal) -> ProjectOut:
        return await services.rename(principal.account_id, project_id, data.name.strip() or "Untitled project")

    @put("/{project_id:uuid}/context", responses=documented(*RESEARCHER_WRITE, *BODY, NotFound))
    async def set_context(self, project_id: UUID, data: ProjectContext, principal: Principal) -> ProjectOut:
        return await services.set_context(principal.account_id, project_id, data.research_goals, data.interview_guide)
