"""The operator's API: `GET /api/operator/overview` and `POST /api/operator/grants`, for operator accounts only
(their emails are listed in `OPERATOR_EMAILS`); any other signed-in account gets `403 not_operator`."""

from __future__ import annotations

from litestar import Request, Router, get, post
from litestar.di import Provide

from control_plane.accounts.services import Principal
from control_plane.auth import provide_principal
from control_plane.errors import BODY, RESEARCHER, CsrfFailed, NotFound, NotOperator, documented
from control_plane.operator import services
from control_plane.operator.schemas import Granted, GrantTokens, Overview
from control_plane.settings import Settings


def is_operator(principal: Principal, settings: Settings) -> bool:
    return principal.email.lower() in settings.operator_emails


async def provide_operator(request: Request, settings: Settings) -> Principal:
    principal = await provide_principal(request)
    if not is_operator(principal, settings):
        raise NotOperator()
    return principal


@get("/overview", responses=documented(*RESEARCHER, NotOperator))
async def overview(operator: Principal, settings: Settings) -> Overview:
    """Workers (by their heartbeats), LiveKit's rooms with and without an agent, interviews in progress, and
    today's counts."""
    return await services.overview(settings)


@post("/grants", status_code=200, responses=documented(*BODY, *RESEARCHER, CsrfFailed, NotOperator, NotFound))
async def grant(data: GrantTokens, operator: Principal) -> Granted:
    """Add tokens to an account's balance through the wallet. The same `request_id` grants once: a second submit
    answers the balance with `granted_now: false`."""
    return await services.grant_tokens(data.email, data.amount, data.reason, data.request_id, str(operator.account_id))


router = Router(
    path="/api/operator",
    route_handlers=[overview, grant],
    dependencies={"operator": Provide(provide_operator)},
    tags=["operator"],
)
routes = [router]
