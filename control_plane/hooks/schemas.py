"""Request and response bodies of the project webhook endpoints."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

EVENTS = ("interview.completed", "link.expired")


class NewEndpoint(msgspec.Struct, forbid_unknown_fields=True):
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class EndpointOut(msgspec.Struct):
    id: UUID
    project_id: UUID
    url: str
    events: list[str]
    created_at: datetime


class CreatedEndpoint(EndpointOut):
    # Shown once: keep it to check each delivery's Webhook-Signature (HMAC-SHA256 of "<timestamp>.<body>").
    secret: str


class RemovedEndpoint(msgspec.Struct):
    id: UUID


class DeliveryOut(msgspec.Struct):
    id: UUID  # the event's id, sent as Webhook-Id
    endpoint_id: UUID
    url: str
    event: Literal["interview.completed", "link.expired"]
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None  # the endpoint's last answer; null when it could not be reached
    last_error: str
    next_attempt_at: datetime | None  # for a pending delivery
    created_at: datetime
    delivered_at: datetime | None
