"""Request and response bodies of the project endpoints."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# Generous for a real guide, small enough that a pasted file is refused rather than stored.
ContextText = Annotated[str, msgspec.Meta(max_length=20_000)]


class NewProject(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class ProjectContext(msgspec.Struct, forbid_unknown_fields=True):
    research_goals: ContextText
    interview_guide: ContextText


class ProjectOut(msgspec.Struct):
    id: UUID
    name: str
    research_goals: str
    interview_guide: str
    created_at: datetime
