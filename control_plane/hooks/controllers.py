"""A project's webhook endpoints (add, list, remove) and its delivery log."""

from uuid import UUID

from litestar import delete, get, post

from control_plane.accounts.services import Principal
from control_plane.errors import BODY, RESEARCHER, RESEARCHER_WRITE, NotFound, documented
from control_plane.hooks import services
from control_plane.hooks.schemas import CreatedEndpoint, DeliveryOut, EndpointOut, NewEndpoint, RemovedEndpoint
from control_plane.hooks.services import InvalidWebhookUrl, TooManyWebhooks
from control_plane.settings import Settings


@post(
    "/api/projects/{project_id:uuid}/webhooks",
    status_code=201,
    responses=documented(*RESEARCHER_WRITE, *BODY, NotFound, InvalidWebhookUrl, TooManyWebhooks),
)
async def add_endpoint(
    project_id: UUID, data: NewEndpoint, principal: Principal, settings: Settings
) -> CreatedEndpoint:
    """Send the project's events to this HTTPS address. The answer holds the signing secret, shown this once."""
    return await services.register(principal.account_id, project_id, data.url, settings)


@get("/api/projects/{project_id:uuid}/webhooks", responses=documented(*RESEARCHER, NotFound))
async def list_endpoints(project_id: UUID, principal: Principal) -> list[EndpointOut]:
    return await services.list_endpoints(principal.account_id, project_id)


@delete("/api/webhooks/{endpoint_id:uuid}", status_code=200, responses=documented(*RESEARCHER_WRITE, NotFound))
async def remove_endpoint(endpoint_id: UUID, principal: Principal) -> RemovedEndpoint:
    """Stop sending to this endpoint; its deliveries go with it."""
    await services.remove(principal.account_id, endpoint_id)
    return RemovedEndpoint(id=endpoint_id)


@get("/api/projects/{project_id:uuid}/webhook-deliveries", responses=documented(*RESEARCHER, NotFound))
async def deliveries(project_id: UUID, principal: Principal) -> list[DeliveryOut]:
    """The latest 100 deliveries, newest first: status, attempts, the endpoint's last answer."""
    return await services.deliveries(principal.account_id, project_id)


routes = [add_endpoint, list_endpoints, remove_endpoint, deliveries]
