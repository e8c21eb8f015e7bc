"""Sign-up, sign-in and sign-out."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import Provide

from control_plane.accounts import services
from control_plane.accounts.schemas import AccountOut, Credentials, SignedOut, SignedUp
from control_plane.accounts.services import Principal
from control_plane.accounts.signin_limits import SignInLimits
from control_plane.auth import CSRF_COOKIE, SESSION_COOKIE, check_csrf, provide_principal
from control_plane.errors import (
    BODY,
    RESEARCHER,
    CsrfFailed,
    EmailTaken,
    SignupClosed,
    TooManyAttempts,
    Unauthorized,
    documented,
)
from control_plane.settings import Settings


def _session_cookies(token: str, csrf: str, secure: bool) -> list[Cookie]:
    age = int(services.SESSION_LIFETIME.total_seconds())
    return [
        Cookie(key=SESSION_COOKIE, value=token, httponly=True, samesite="lax", secure=secure, max_age=age, path="/"),
        Cookie(key=CSRF_COOKIE, value=csrf, httponly=False, samesite="lax", secure=secure, max_age=age, path="/"),
    ]


@post("/api/auth/signup", status_code=201, responses=documented(*BODY, SignupClosed, EmailTaken))
async def signup(data: Credentials, settings: Settings) -> Response[SignedUp]:
    if not settings.allow_signup:
        raise SignupClosed()
    account = await services.create_account(data.email, data.password, settings.starter_tokens)
    token, csrf = await services.open_session(await services.account_by_email(account.email))
    secure = settings.public_base_url.startswith("https://")
    return Response(account, status_code=201, cookies=_session_cookies(token, csrf, secure))


@post("/api/auth/login", status_code=200, responses=documented(*BODY, Unauthorized, TooManyAttempts))
async def login(data: Credentials, request: Request, settings: Settings) -> Response[AccountOut]:
    limits: SignInLimits = request.app.state.signin_limits
    address = request.client.host if request.client else "unknown"
    await limits.check(data.email, address)
    try:
        account = await services.authenticate_password(data.email, data.password)
    except Unauthorized:
        await limits.failed(data.email, address)
        raise
    await limits.succeeded(data.email)
    token, csrf = await services.open_session(account)
    secure = settings.public_base_url.startswith("https://")
    body = AccountOut(account_id=account.id, email=account.email)
    return Response(body, cookies=_session_cookies(token, csrf, secure))


@post("/api/auth/logout", status_code=200, responses=documented(CsrfFailed))
async def logout(request: Request) -> Response[SignedOut]:
    """End the cookie's session; like every cookie-authenticated change it needs the CSRF token, so another site
    cannot sign a researcher out. Without a live session there is nothing to end, and the answer is the same."""
    token = request.cookies.get(SESSION_COOKIE)
    principal = await services.principal_for_session(token) if token else None
    if principal is not None:
        check_csrf(request, principal)
        await services.close_session(token)
    response = Response(SignedOut(signed_out=True))
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@get("/api/auth/me", dependencies={"principal": Provide(provide_principal)}, responses=documented(*RESEARCHER))
async def me(principal: Principal) -> AccountOut:
    return AccountOut(account_id=principal.account_id, email=principal.email)


routes = [signup, login, logout, me]
