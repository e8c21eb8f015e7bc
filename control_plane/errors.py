"""One error hierarchy, and the one handler that turns every error into `{"code", "detail"}`.

Services raise `AppError` subclasses; Litestar's own validation, not-found and auth errors are mapped here too, so a
client never sees a traceback or a raw database message.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template

log = logging.getLogger("control_plane")


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    detail = "The request could not be processed."
    headers: dict[str, str] | None = None

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.detail)
        self.detail = detail or self.detail
        self.extra = extra


class InvalidInput(AppError):
    status_code = 422
    code = "invalid_input"


class UnknownVoice(AppError):
    status_code = 422
    code = "unknown_voice"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"
    detail = "Sign in, or send a valid API key as 'Authorization: Bearer <key>'."


class CsrfFailed(AppError):
    status_code = 403
    code = "csrf_failed"
    detail = "The X-CSRF-Token header is missing or does not match the session."


class SignupClosed(AppError):
    status_code = 403
    code = "signup_closed"
    detail = "Sign-up is closed on this server; ask an operator for an account."


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    detail = "Not found."


class EmailTaken(AppError):
    status_code = 409
    code = "email_taken"
    detail = "An account with this email already exists."


class ContextMissing(AppError):
    status_code = 409
    code = "context_missing"
    detail = "Fill in both the Research Goals and the Interview Guide before creating links."


class InvalidStatus(AppError):
    status_code = 409
    code = "invalid_status"


class TurnConflict(AppError):
    status_code = 409
    code = "turn_conflict"
    detail = "A different turn is already stored under this seq."


class InsufficientTokens(AppError):
    status_code = 402
    code = "insufficient_tokens"

    def __init__(self, required: int, available: int) -> None:
        super().__init__(
            f"Creating these links needs {required} tokens; {available} are available.",
            required=required,
            available=available,
        )


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            retry_after=retry_after,
        )
        self.headers = {"Retry-After": str(retry_after)}


class EmailMismatch(AppError):
    status_code = 403
    code = "email_mismatch"
    detail = "This interview was started with another email address."


class LinkGone(AppError):
    """The link can no longer be used; the code is its status (expired, cancelled, completed)."""

    status_code = 410

    def __init__(self, status: str) -> None:
        super().__init__(f"This interview link is {status}.")
        self.code = status


_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def error_response(
    status_code: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    return Response({"code": code, "detail": detail, **extra}, status_code=status_code, headers=headers)


def app_error_handler(_: Request, exc: AppError) -> Response:
    return error_response(exc.status_code, exc.code, exc.detail, exc.headers, **exc.extra)


def validation_error_handler(_: Request, exc: ValidationException) -> Response:
    detail = exc.detail
    if isinstance(exc.extra, list) and exc.extra:
        parts = [f"{e.get('key') or 'body'}: {e.get('message')}" for e in exc.extra if isinstance(e, dict)]
        if parts:
            detail = "; ".join(parts)
    if "decod" in str(exc.detail).lower() or "malformed" in str(exc.detail).lower():
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    return error_response(422, "invalid_input", detail)


def http_error_handler(request: Request, exc: HTTPException) -> Response | Template:
    if exc.status_code == 404 and not request.url.path.startswith("/api/") and request.method == "GET":
        # A person following a bad address gets a page, not JSON.
        return Template(template_name="not_found.html", context={"what": "page"}, status_code=404)
    code = _CODES_BY_STATUS.get(exc.status_code, "error" if exc.status_code < 500 else "internal_error")
    if exc.status_code == 400 and "json" in str(exc.detail).lower():
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    detail = exc.detail if exc.status_code < 500 else "Something went wrong on the server."
    return error_response(exc.status_code, code, str(detail))


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Something went wrong on the server.")


EXCEPTION_HANDLERS = {
    AppError: app_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
