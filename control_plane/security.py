"""The web's basic defences on every response: a content security policy, no framing, no sniffing, no referrer leak.

Pages load only our own scripts and styles (no inline code), and talk only to this origin and to the LiveKit servers
the respondent's room connects to (every node `LIVEKIT_URL` lists, as ws/wss for signalling and as http/https for the
client's reachability check). Audio arrives as WebRTC media streams. No page may be framed by any site, including ours.
A response may set a stricter header of its own (the interview page sends `Referrer-Policy: no-referrer`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from control_plane.settings import Settings


def livekit_origins(livekit_url: str) -> list[str]:
    """The LiveKit server as the browser reaches it: its ws(s) origin and the matching http(s) one."""
    parts = urlsplit(livekit_url)
    secure = parts.scheme in ("wss", "https")
    host = parts.netloc
    return [f"{'wss' if secure else 'ws'}://{host}", f"{'https' if secure else 'http'}://{host}"] if host else []


def content_security_policy(settings: Settings) -> str:
    nodes = [origin for url in settings.livekit_public_urls for origin in livekit_origins(url)]
    connect = " ".join(["'self'", *dict.fromkeys(nodes)])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob: mediastream:",
            f"connect-src {connect}",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings) -> dict[str, str]:
    headers = {
        "content-security-policy": content_security_policy(settings),
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), geolocation=(), microphone=(self)",
    }
    if settings.public_base_url.startswith("https://"):
        headers["strict-transport-security"] = "max-age=31536000"
    return headers


PARAM_TYPE = re.compile(r":\w+}")


def allowed_methods(scope: Scope, sent: str) -> str:
    """Every method of the path, for OPTIONS: Litestar answers it per handler group, so a path served by two
    handlers (GET and POST of a controller) would list only one of them."""
    template = PARAM_TYPE.sub("}", scope.get("path_template", ""))
    for path, methods in scope["litestar_app"].route_handler_method_map.items():
        if PARAM_TYPE.sub("}", path) == template:
            return ", ".join(sorted(methods))
    return sent


def add_security_headers(settings: Settings):
    """A `before_send` hook: every HTTP response, errors and unknown paths included, carries `security_headers`
    unless it set its own. The headers are encoded once, and the response's own names read once per response
    (`MutableScopeHeaders` decodes and scans every header for each name looked up or set)."""
    defaults = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in security_headers(settings).items()]

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers")
            if not isinstance(headers, list):
                headers = message["headers"] = list(headers or ())
            own = {name.lower() for name, _ in headers}
            headers.extend(header for header in defaults if header[0] not in own)
            if scope.get("method") == "OPTIONS" and b"allow" in own:
                allow = MutableScopeHeaders.from_message(message)
                allow["allow"] = allowed_methods(scope, allow["allow"])

    return before_send
