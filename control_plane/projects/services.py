"""Projects and their research context. Every query is scoped by the account that asks."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from control_plane.errors import NotFound
from control_plane.tables import Project

FIELDS = (Project.id, Project.name, Project.research_goals, Project.interview_guide, Project.created_at)


async def create(account_id: UUID, name: str) -> dict[str, Any]:
    project = Project(account=account_id, name=name)
    await project.save()
    return await get(account_id, project.id)


async def list_for(account_id: UUID) -> list[dict[str, Any]]:
    return (
        await Project.select(*FIELDS).where(Project.account == account_id).order_by(Project.created_at, ascending=False)
    )


async def get(account_id: UUID, project_id: UUID) -> dict[str, Any]:
    row = await Project.select(*FIELDS).where((Project.id == project_id) & (Project.account == account_id)).first()
    if row is None:
        raise NotFound("No such project.")
    return row


async def set_context(account_id: UUID, project_id: UUID, research_goals: str, interview_guide: str) -> dict:
    await get(account_id, project_id)
    await Project.update({Project.research_goals: research_goals, Project.interview_guide: interview_guide}).where(
        (Project.id == project_id) & (Project.account == account_id)
    )
    return await get(account_id, project_id)


async def rename(account_id: UUID, project_id: UUID, name: str) -> dict[str, Any]:
    await get(account_id, project_id)
    await Project.update({Project.name: name}).where((Project.id == project_id) & (Project.account == account_id))
    return await get(account_id, project_id)
