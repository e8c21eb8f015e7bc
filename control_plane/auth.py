"""Who is asking: the researcher behind an API key or a session cookie, checked in this one place.

Cookie-authenticated requests that change something must echo the `csrf_token` cookie in `X-CSRF-Token`.
"""

from __future__ import annotations

import hmac

from litestar import Request

from control_plane.accounts.services import Principal, principal_for_api_key, principal_for_session
from control_plane.errors import CsrfFailed, Unauthorized

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SESSION_COOKIE = "session"
CSRF_COOKIE = "csrf_token"


def same_secret(sent: str, expected: str) -> bool:
    """Compare in constant time; header values may hold any character, which `compare_digest` on str refuses."""
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


async def provide_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, key = header.partition(" ")
        principal = await principal_for_api_key(key.strip()) if scheme.lower() == "bearer" and key else None
        if principal is None:
            raise Unauthorized("The API key is missing or not valid.")
        return principal
    token = request.cookies.get(SESSION_COOKIE)
    principal = await principal_for_session(token) if token else None
    if principal is None:
        raise Unauthorized()
    check_csrf(request, principal)
    return principal


def check_csrf(request: Request, principal: Principal) -> None:
    """A cookie-authenticated request that changes something must echo the session's CSRF token."""
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not sent or not same_secret(sent, principal.csrf_token or ""):
            raise CsrfFailed()


async def optional_principal(request: Request) -> Principal | None:
    try:
        return await provide_principal(request)
    except Unauthorized:
        return None
