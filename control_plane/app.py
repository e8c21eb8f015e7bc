"""The control plane's composition root: `create_app(settings)` wires routes, errors, the database and the sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar import Litestar, Router, get
from litestar.di import Provide

from control_plane.accounts import controllers as accounts
from control_plane.auth import provide_principal
from control_plane.dispatcher import Dispatcher
from control_plane.errors import EXCEPTION_HANDLERS
from control_plane.interviews import controllers as interviews
from control_plane.links.controllers import LinkController, ProjectLinksController
from control_plane.links.services import sweep
from control_plane.projects.controllers import ProjectController
from control_plane.records import controllers as records
from control_plane.settings import Settings, load_settings
from control_plane.wallet.controllers import WalletController

log = logging.getLogger("control_plane")


@get("/healthz", sync_to_thread=False)
def healthz() -> dict:
    return {"ok": True}


async def sweep_forever(settings: Settings) -> None:
    """Expire links and close abandoned interviews even when nobody is looking at them."""
    while True:
        try:
            moved = await sweep(settings)
            if moved:
                log.info("sweep moved %d link(s)", moved)
        except Exception:  # noqa: BLE001 - the next round tries again; the error is logged with its traceback
            log.exception("sweep failed")
        await asyncio.sleep(settings.sweep_interval_seconds)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()
    researcher = Router(
        path="/",
        route_handlers=[WalletController, ProjectController, ProjectLinksController, LinkController, *records.routes],
        dependencies={"principal": Provide(provide_principal)},
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.dispatcher = Dispatcher(settings)
        sweeper = asyncio.get_running_loop().create_task(sweep_forever(settings))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await app.state.dispatcher.close()

    route_handlers: list = [healthz, researcher, *accounts.routes, *interviews.routes]
    template_config = None
    try:
        from control_plane import pages
    except ImportError:
        pages = None
    if pages is not None and hasattr(pages, "routes"):
        route_handlers.extend(pages.routes)
        template_config = getattr(pages, "template_config", None)

    return Litestar(
        route_handlers=route_handlers,
        dependencies={"settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        template_config=template_config,
        request_max_body_size=2 * 1024 * 1024,
        debug=False,
    )
