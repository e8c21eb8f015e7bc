"""The researcher's pages. Signed-out visitors are sent to /login; the data comes from the JSON API in the browser.

A page only checks that the session is valid (and, for a project, that it belongs to the account, so another
account's id is a 404 page); everything else is the API's job.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit
from uuid import UUID

from litestar import Request, Router, get
from litestar.response import Redirect, Template

from control_plane.accounts.services import Principal, principal_for_session
from control_plane.auth import SESSION_COOKIE
from control_plane.errors import NotFound
from control_plane.projects import services as projects
from control_plane.records import services as records
from control_plane.settings import Settings


async def signed_in(request: Request) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    return await principal_for_session(token) if token else None


def safe_next(target: str | None) -> str:
    """Only a path on this site, so a crafted ?next= cannot send a researcher elsewhere after signing in.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so `/<tab>/evil.example` would become
    `//evil.example`: any control character, whitespace or backslash makes the target unsafe, as does anything that
    is not a path starting with one slash."""
    default = "/projects"
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ch.isspace() or ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


async def require_session(request: Request) -> Redirect | None:
    principal = await signed_in(request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/login?next={quote(target, safe='')}")
    request.state.principal = principal
    return None


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Template:
    principal: Principal = request.state.principal
    settings: Settings = request.app.state.settings
    context = {"account_email": principal.email, "is_operator": principal.email in settings.operator_emails, **context}
    return Template(template_name=template, context=context, status_code=status_code)


def not_found(request: Request, what: str) -> Template:
    """Another account's id, or one that does not exist: the same 404 page either way."""
    context = {"account_email": request.state.principal.email, "what": what}
    return Template(template_name="not_found.html", context=context, status_code=404)


@get("/", sync_to_thread=False)
def home() -> Redirect:
    return Redirect("/projects")


@get("/projects", sync_to_thread=False)
def projects_page(request: Request) -> Template:
    return page(request, "projects.html", nav="projects")


@get("/projects/{project_id:uuid}")
async def project_page(request: Request, project_id: UUID, settings: Settings) -> Template:
    try:
        project = await projects.get(request.state.principal.account_id, project_id)
    except NotFound:
        return not_found(request, "project")
    return page(
        request,
        "project.html",
        nav="projects",
        project=project,
        voices=settings.voices,
        buy_tokens_url=settings.buy_tokens_url,
    )


@get("/records/{record_id:uuid}")
async def record_page(request: Request, record_id: UUID) -> Template:
    if not await records.owned(request.state.principal.account_id, record_id):
        return not_found(request, "record")
    return page(request, "record.html", nav="projects", record_id=str(record_id))


@get("/wallet", sync_to_thread=False)
def wallet_page(request: Request, settings: Settings) -> Template:
    return page(request, "wallet.html", nav="wallet", buy_tokens_url=settings.buy_tokens_url)


@get("/operator", sync_to_thread=False)
def operator_page(request: Request, settings: Settings) -> Template:
    """Operators only (OPERATOR_EMAILS); any other account is told so, with 403."""
    if request.state.principal.email not in settings.operator_emails:
        return page(request, "forbidden.html", status_code=403)
    return page(request, "operator.html", nav="operator")


signed_in_pages = Router(
    path="/",
    route_handlers=[home, projects_page, project_page, record_page, wallet_page, operator_page],
    before_request=require_session,
    include_in_schema=False,
)


@get("/login", include_in_schema=False)
async def login_page(request: Request) -> Template:
    return Template(
        template_name="login.html",
        context={"next": safe_next(request.query_params.get("next")), "signed_in_as": await _email(request)},
    )


@get("/signup", include_in_schema=False)
async def signup_page(request: Request, settings: Settings) -> Template:
    return Template(
        template_name="signup.html",
        context={"allow_signup": settings.allow_signup, "signed_in_as": await _email(request)},
    )


@get("/logout", include_in_schema=False)
async def logout_page(request: Request) -> Template:
    return Template(template_name="logout.html", context={"signed_in_as": await _email(request)})


async def _email(request: Request) -> str | None:
    principal = await signed_in(request)
    return principal.email if principal else None


researcher_pages = [signed_in_pages, login_page, signup_page, logout_page]
