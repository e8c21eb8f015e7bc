"""Projects and their research context. Every query is scoped by the account that asks."""

from __future__ import annotations

from uuid import UUID

from control_plane.errors import NotFound
from control_plane.projects.schemas import ProjectOut
from control_plane.tables import Project
from control_plane.timeutil import aware

FIELDS = (Project.id, Project.name, Project.research_goals, Project.interview_guide, Project.created_at)


def _out(row: dict) -> ProjectOut:
    return ProjectOut(
        id=row["id"],
        name=row["name"],
        research_goals=row["research_goals"],
        interview_guide=row["interview_guide"],
        created_at=aware(row["created_at"]),
    )


async def create(account_id: UUID, name: str) -> ProjectOut:
    project = Project(account=account_id, name=name)
    await project.save()
    return await get(account_id, project.id)


async def list_for(account_id: UUID) -> list[ProjectOut]:
    rows = (
        await Project.select(*FIELDS).where(Project.account == account_id).order_by(Project.created_at, ascending=False)
    )
    return [_out(r) for r in rows]


async def get(account_id: UUID, project_id: UUID) -> ProjectOut:
    row = await Project.select(*FIELDS).where((Project.id == project_id) & (Project.account == account_id)).first()
    if row is None:
        raise NotFound("No such project.")
    return _out(row)


async def set_context(account_id: UUID, project_id: UUID, research_goals: str, interview_guide: str) -> ProjectOut:
    await get(account_id, project_id)
    await Project.update({Project.research_goals: research_goals, Project.interview_guide: interview_guide}).where(
        (Project.id == project_id) & (Project.account == account_id)
    )
    return await get(account_id, project_id)


async def rename(account_id: UUID, project_id: UUID, name: str) -> ProjectOut:
    await get(account_id, project_id)
    await Project.update({Project.name: name}).where((Project.id == project_id) & (Project.account == account_id))
    return await get(account_id, project_id)
