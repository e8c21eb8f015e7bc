"""The control plane's composition root: `create_app(settings)` wires routes, errors, the database and the sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import msgspec
from litestar import Litestar, Router, get
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ASGIApp

from control_plane import leases, metrics, pages, webhooks
from control_plane.accounts import controllers as accounts
from control_plane.accounts.signin_limits import SignInLimits
from control_plane.answers import controllers as answers
from control_plane.auth import provide_principal
from control_plane.body import StrictJson
from control_plane.db import connection_pool
from control_plane.dispatcher import LEASE_CHECK_SECONDS, Dispatcher
from control_plane.errors import EXCEPTION_HANDLERS, tidy_openapi
from control_plane.hooks import controllers as hooks
from control_plane.hooks.sender import SEND_INTERVAL_SECONDS, Sender
from control_plane.interviews import controllers as interviews
from control_plane.links.controllers import LinkController, ProjectLinksController, batch_csv
from control_plane.links.lifecycle import sweep
from control_plane.operator import controllers as operator
from control_plane.projects.controllers import ProjectController
from control_plane.records import controllers as records
from control_plane.reports import controllers as reports
from control_plane.reports import pages as report_pages
from control_plane.reports.services import REPORT_LEASE_SECONDS, ReportRunner
from control_plane.security import add_security_headers
from control_plane.settings import Settings, load_settings
from control_plane.wallet.controllers import WalletController

log = logging.getLogger("control_plane")


class Health(msgspec.Struct):
    ok: bool


@get("/healthz", sync_to_thread=False)
def healthz() -> Health:
    return Health(ok=True)


async def every(seconds: float, job: Callable[[], Awaitable[int]], what: str | None) -> None:
    """Run a housekeeping job forever; a failed round is logged and the next one tries again. `what` names the job
    in a log line for each round that did something (None: the job logs for itself)."""
    while True:
        try:
            done = await job()
            if done and what:
                log.info("%s: %d interview(s)", what, done)
        except Exception:  # noqa: BLE001 - logged with its traceback; the loop must survive
            log.exception("%s failed", what)
        await asyncio.sleep(seconds)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    researcher = Router(
        path="/",
        route_handlers=[
            WalletController,
            ProjectController,
            ProjectLinksController,
            LinkController,
            batch_csv,
            *records.routes,
            *answers.routes,
            *reports.routes,
            *hooks.routes,
        ],
        dependencies={"principal": Provide(provide_principal)},
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        dispatcher = app.state.dispatcher = Dispatcher(settings)
        runner = app.state.reports = ReportRunner(settings)
        sender = Sender(settings)
        loop = asyncio.get_running_loop()
        async with connection_pool(settings.db_pool_size):
            jobs = [
                loop.create_task(every(settings.sweep_interval_seconds, lambda: sweep(settings), "expired or closed")),
                loop.create_task(every(settings.reconcile_interval_seconds, dispatcher.reconcile, "re-dispatched")),
                loop.create_task(every(LEASE_CHECK_SECONDS, dispatcher.check_leases, None)),
                # Reports left queued or with a lapsed lease (a replica stopped mid-report) are taken over.
                loop.create_task(every(REPORT_LEASE_SECONDS / 2, runner.resume_unfinished, None)),
            ]
            if settings.deliver_webhooks:
                jobs.append(loop.create_task(every(SEND_INTERVAL_SECONDS, sender.run_once, None)))
            try:
                yield
            finally:
                await runner.close()
                for job in jobs:
                    job.cancel()
                await asyncio.gather(*jobs, return_exceptions=True)
                await dispatcher.close()
                await sender.close()

    route_handlers: list = [
        healthz,
        researcher,
        *accounts.routes,
        *interviews.routes,
        *webhooks.routes,
        *leases.routes,
        *metrics.routes,
        *operator.routes,
        *pages.routes,
        *report_pages.routes,
    ]
    app = Litestar(
        route_handlers=route_handlers,
        dependencies={"settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[add_security_headers(settings)],
        middleware=[metrics.prometheus.middleware],
        dto=StrictJson,
        return_dto=None,
        lifespan=[lifespan],
        template_config=pages.template_config,
        request_max_body_size=2 * 1024 * 1024,
        debug=False,
        openapi_config=OpenAPIConfig(
            title="AI Interviewer control plane",
            version="1",
            description=(
                "Researchers authenticate with `Authorization: Bearer <api_key>` or the session cookie (unsafe methods "
                "then need `X-CSRF-Token`); respondents with the link's token in the path; agents with "
                "`Authorization: Bearer <agent_key>`. Every error is JSON `{code, detail}`."
            ),
            use_handler_docstrings=True,
        ),
    )
    app.state.signin_limits = SignInLimits(settings)
    app.state.settings = settings
    optional_bodies = {
        (method.lower(), route.path_format)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if handler.parsed_data_field is not None and handler.parsed_data_field.has_default
        for method in handler.http_methods
    }
    tidy_openapi(app.openapi_schema, optional_bodies)
    return app


def freeze_heap() -> None:
    """Leave what the server built as it started (the app, its routes and schemas, the libraries: about 125,000
    objects) out of the garbage collector's full collections. Python runs one whenever the objects that survived
    younger collections reach a quarter of the old ones, and a full collection walks every object: 120 to 250 ms
    with the event loop stopped, under load on this machine, which was the slowest percent of the requests served
    around it (docs/benchmarks.md, third round). Frozen objects are still freed when nothing refers to them; only
    reference cycles among them would never be collected, and a collection just before leaves none."""
    gc.collect()
    gc.freeze()


def served_app(settings: Settings | None = None) -> Litestar:
    """The app `python -m control_plane serve` runs in each server process: `create_app`'s, with the heap frozen
    once it has started (tests build many apps in one process and do not freeze)."""
    app = create_app(settings)
    app.on_startup.append(freeze_heap)
    return app


def proxied_app() -> ASGIApp:
    """What granian serves in each of its processes: `served_app`, behind the proxy headers' reading uvicorn does
    itself. A request from a peer in `FORWARDED_ALLOW_IPS` (by default the loopback: a reverse proxy on the same
    host) is taken as coming from the client its `X-Forwarded-For` names, over its `X-Forwarded-Proto`; any other
    peer's headers are ignored. Sign-in limits and `/metrics`' loopback rule judge that address."""
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    settings = load_settings()
    return wrap_asgi_with_proxy_headers(served_app(settings), settings.forwarded_allow_ips)
