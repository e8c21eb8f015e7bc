"""Request and response bodies of the link endpoints; the numbers' limits are the product's (PRODUCT.md, Interview links)."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from control_plane.projects.schemas import ContextText

Topic = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
Topics = Annotated[list[Topic], msgspec.Meta(max_length=10)]
LinkName = Annotated[str, msgspec.Meta(max_length=200)]


class NewLinks(msgspec.Struct, forbid_unknown_fields=True):
    count: Annotated[int, msgspec.Meta(ge=1, le=100)]
    duration_minutes: Annotated[int, msgspec.Meta(ge=1, le=60)]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=90)]
    voice: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    language: Literal["auto", "ru", "en"]
    topics: Topics = msgspec.field(default_factory=list)
    name: LinkName | None = None


class NewTestInterview(msgspec.Struct, forbid_unknown_fields=True):
    """A test interview with the project's current context; every field has a default."""

    duration_minutes: Annotated[int, msgspec.Meta(ge=1, le=60)] = 5
    language: Literal["auto", "ru", "en"] = "auto"
    voice: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None = None  # the first voice when unset


class LinkChanges(msgspec.Struct, forbid_unknown_fields=True):
    name: LinkName | msgspec.UnsetType = msgspec.UNSET
    research_goals: ContextText | None | msgspec.UnsetType = msgspec.UNSET
    interview_guide: ContextText | None | msgspec.UnsetType = msgspec.UNSET
    topics: Topics | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> dict:
        return {f: getattr(self, f) for f in self.__struct_fields__ if getattr(self, f) is not msgspec.UNSET}


class LinkOut(msgspec.Struct):
    id: UUID
    project_id: UUID
    batch_id: UUID | None  # the links created together share it; null for links made before batches were kept
    is_test: bool  # the researcher's own test interview: free, and left out of reports unless chosen
    name: str
    url: str
    status: Literal["pending", "active", "completed", "expired", "cancelled"]
    duration_minutes: int
    expires_at: datetime
    voice: str
    language: str
    topics: list[str]
    research_goals: str | None
    interview_guide: str | None
    respondent_email: str | None
    started_at: datetime | None
    ends_at: datetime | None
    completed_at: datetime | None
    completion_reason: str | None
    end_note: str | None  # why the interview ended, in the interviewer's words
    reserved_tokens: int
    charged_tokens: int
    record_id: UUID | None
    created_at: datetime


class LinkWarning(msgspec.Struct):
    """Something the researcher should know about the links just made (they are made all the same)."""

    # guide_language: no language model is configured to translate the guide, so the offline interviewer will
    # hold these interviews in the guide's language, not the links'.
    code: Literal["guide_language"]
    detail: str


class CreatedLinks(msgspec.Struct):
    links: list[LinkOut]
    reserved_tokens: int
    warnings: list[LinkWarning]
