"""Static files of the pages, and the browser build of `livekit-client` installed by `npm ci` in `web/`.

The vendor build is served from `web/node_modules` (never from a CDN); a machine that has not run `npm ci` answers
a 404 whose detail names the command.
"""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.response import File
from litestar.static_files import create_static_files_router

from control_plane.errors import NotFound

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
LIVEKIT_CLIENT = WEB_DIR / "node_modules" / "livekit-client" / "dist" / "livekit-client.esm.mjs"


@get("/static/vendor/livekit-client.js", include_in_schema=False, sync_to_thread=False)
def livekit_client() -> File:
    if not LIVEKIT_CLIENT.is_file():
        raise NotFound("livekit-client is not installed: run `npm ci` in web/.")
    return File(LIVEKIT_CLIENT, media_type="text/javascript", content_disposition_type="inline")


asset_routes = [
    livekit_client,
    create_static_files_router(path="/static", directories=[WEB_DIR / "static"], include_in_schema=False),
]
