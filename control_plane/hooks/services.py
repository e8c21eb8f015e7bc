"""Project webhooks as the researcher manages them, and the outbox the link lifecycle writes events into.

`enqueue` is called inside the transaction that changes a link's status (`links.lifecycle`), so an event is stored
if and only if the change is: a process that dies after the commit still has it in the outbox, and a change that
rolls back leaves none. Sending is `hooks.sender`'s.

Only HTTPS endpoints are accepted; `http://127.0.0.1`, `http://[::1]` and `http://localhost` too when
`WEBHOOK_ALLOW_LOCAL` is set (tests, local development).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from control_plane.errors import AppError, NotFound
from control_plane.hooks.schemas import EVENTS, CreatedEndpoint, DeliveryOut, EndpointOut
from control_plane.projects import services as projects
from control_plane.settings import Settings
from control_plane.tables import HookDelivery, HookEndpoint
from control_plane.timeutil import aware, iso, utcnow

log = logging.getLogger("control_plane.hooks")
MAX_ENDPOINTS = 5
LOCAL_HOSTS = ("127.0.0.1", "::1", "localhost")
DELIVERY_LOG = 100


class InvalidWebhookUrl(AppError):
    status_code = 422
    code = "invalid_url"


class TooManyWebhooks(AppError):
    status_code = 409
    code = "too_many_webhooks"
    detail = f"A project may send to at most {MAX_ENDPOINTS} webhook endpoints; remove one first."


def check_url(url: str, settings: Settings) -> str:
    url = url.strip()
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise InvalidWebhookUrl("url: an address may not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise InvalidWebhookUrl("url: this is not a valid address") from None
    if not host:
        raise InvalidWebhookUrl("url: an address such as https://example.com/hooks is expected")
    if parts.username or parts.password:
        raise InvalidWebhookUrl("url: put no user name or password in the address")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and settings.webhook_allow_local and host in LOCAL_HOSTS:
        return url
    raise InvalidWebhookUrl("url: webhooks are sent over HTTPS only (https://…)")


def _endpoint(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "project_id": row["project"],
        "url": row["url"],
        "events": list(EVENTS),
        "created_at": aware(row["created_at"]),
    }


async def register(account_id: UUID, project_id: UUID, url: str, settings: Settings) -> CreatedEndpoint:
    await projects.get(account_id, project_id)
    url = check_url(url, settings)
    count = await HookEndpoint.count().where(HookEndpoint.project == project_id)
    if count >= MAX_ENDPOINTS:
        raise TooManyWebhooks()
    endpoint = HookEndpoint(
        account=account_id, project=project_id, url=url, secret="whsec_" + secrets.token_urlsafe(32)
    )
    await endpoint.save()
    log.info("project %s: webhook endpoint %s added", project_id, endpoint.id)
    row = await HookEndpoint.select().where(HookEndpoint.id == endpoint.id).first()
    return CreatedEndpoint(**_endpoint(row), secret=row["secret"])


async def list_endpoints(account_id: UUID, project_id: UUID) -> list[EndpointOut]:
    await projects.get(account_id, project_id)
    rows = (
        await HookEndpoint.select()
        .where((HookEndpoint.project == project_id) & (HookEndpoint.account == account_id))
        .order_by(HookEndpoint.created_at)
    )
    return [EndpointOut(**_endpoint(r)) for r in rows]


async def remove(account_id: UUID, endpoint_id: UUID) -> None:
    """Remove an endpoint and its deliveries (nothing more is sent to it)."""
    where = (HookEndpoint.id == endpoint_id) & (HookEndpoint.account == account_id)
    if not await HookEndpoint.exists().where(where):
        raise NotFound("No such webhook endpoint.")
    await HookDelivery.delete().where(HookDelivery.endpoint == endpoint_id)
    await HookEndpoint.delete().where(where)


async def deliveries(account_id: UUID, project_id: UUID) -> list[DeliveryOut]:
    """The project's latest deliveries, newest first."""
    await projects.get(account_id, project_id)
    rows = (
        await HookDelivery.select(
            *HookDelivery.all_columns(exclude=[HookDelivery.body]), HookDelivery.endpoint.url.as_alias("url")
        )
        .where((HookDelivery.project == project_id) & (HookDelivery.endpoint.account == account_id))
        .order_by(HookDelivery.created_at, ascending=False)
        .limit(DELIVERY_LOG)
    )
    return [
        DeliveryOut(
            id=r["id"],
            endpoint_id=r["endpoint"],
            url=r["url"],
            event=r["event"],
            status=r["status"],
            attempts=r["attempts"],
            last_status_code=r["last_status_code"],
            last_error=r["last_error"],
            next_attempt_at=aware(r["next_attempt_at"]) if r["status"] == "pending" else None,
            created_at=aware(r["created_at"]),
            delivered_at=aware(r["delivered_at"]),
        )
        for r in rows
    ]


async def enqueue(project_id: UUID, event: str, data: dict[str, Any]) -> int:
    """Put the event in the outbox for every endpoint of the project, in the caller's transaction; answer how many."""
    endpoints = await HookEndpoint.select(HookEndpoint.id).where(HookEndpoint.project == project_id)
    if not endpoints:
        return 0
    now = utcnow()
    rows = []
    for endpoint in endpoints:
        delivery_id = uuid4()
        body = {"id": str(delivery_id), "type": event, "created_at": iso(now), "data": data}
        rows.append(
            HookDelivery(
                id=delivery_id,
                endpoint=endpoint["id"],
                project=project_id,
                event=event,
                body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                next_attempt_at=now,
                created_at=now,
            )
        )
    await HookDelivery.insert(*rows)
    return len(rows)
