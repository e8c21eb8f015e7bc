"""Request body of a project report."""

from uuid import UUID

import msgspec


class ProjectReportRequest(msgspec.Struct, forbid_unknown_fields=True):
    record_ids: list[UUID] | None = None
