"""One error hierarchy, and the one handler that turns every error into `{"code", "detail"}`.

Services raise `AppError` subclasses; Litestar's own validation, not-found and auth errors are mapped here too, so a
client never sees a traceback or a raw database message.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any, ClassVar, Literal

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPI
from litestar.response import Template

log = logging.getLogger("control_plane")


class AppError(Exception):
    status_code = 400
    code = "bad_request"
    detail = "The request could not be processed."
    headers: dict[str, str] | None = None
    # For the OpenAPI document: every code this error may carry, and the fields it adds to {code, detail}.
    codes: ClassVar[tuple[str, ...]] = ()
    extra_fields: ClassVar[dict[str, type]] = {}

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


class NotOperator(AppError):
    status_code = 403
    code = "not_operator"
    detail = "This is for operators only; an operator's account is listed in OPERATOR_EMAILS."


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
    extra_fields = {"required": int, "available": int}

    def __init__(self, required: int, available: int) -> None:
        super().__init__(
            f"Creating these links needs {required} tokens; {available} are available.",
            required=required,
            available=available,
        )


class TooManyAttempts(AppError):
    status_code = 429
    code = "too_many_attempts"
    extra_fields = {"retry_after": int}

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
    codes = ("expired", "cancelled", "completed")

    def __init__(self, status: str) -> None:
        super().__init__(f"This interview link is {status}.")
        self.code = status


class MalformedJson(AppError):
    status_code = 400
    code = "malformed_json"
    detail = "The request body is not valid JSON (UTF-8)."


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"
    detail = "Send the request body as JSON, with 'Content-Type: application/json'."


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


class ErrorBody(msgspec.Struct):
    """Every error answers `{"code", "detail"}`; some add fields (402: `required`, `available`; 429: `retry_after`)."""

    code: str
    detail: str


@cache
def _error_schema(codes: tuple[str, ...], extra: tuple[tuple[str, type], ...]) -> type[msgspec.Struct]:
    name = "Error_" + "_or_".join(codes)
    fields = [("code", Literal[codes]), ("detail", str), *extra]
    return msgspec.defstruct(name, fields, bases=(msgspec.Struct,), module=__name__)


def documented(*errors: type[AppError]) -> dict[int, ResponseSpec]:
    """The error responses of an operation for its OpenAPI document: per status, the codes it may send."""
    by_status: dict[int, list[type[AppError]]] = {}
    for error in errors:
        by_status.setdefault(error.status_code, []).append(error)
    specs = {}
    for status, group in sorted(by_status.items()):
        codes = tuple(sorted({code for e in group for code in (e.codes or (e.code,))}))
        extra = tuple(sorted({field for e in group for field in e.extra_fields.items()}, key=lambda f: f[0]))
        specs[status] = ResponseSpec(
            data_container=_error_schema(codes, extra),
            description=f"{', '.join(codes)}",
            generate_examples=False,
        )
    return specs


# The errors most operations share.
BODY = (MalformedJson, PayloadTooLarge, UnsupportedMediaType, InvalidInput)
RESEARCHER = (Unauthorized,)
RESEARCHER_WRITE = (Unauthorized, CsrfFailed)


def tidy_openapi(openapi: OpenAPI, optional_bodies: set[tuple[str, str]]) -> OpenAPI:
    """Drop the `400 {status_code, detail, extra}` Litestar adds to operations with parameters (our validation
    errors are documented per operation, as sent), and mark as optional the bodies the handler may go without."""
    for path, path_item in (openapi.paths or {}).items():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            operation = getattr(path_item, method, None)
            responses = operation.responses if operation else None
            if responses and "400" in responses and "status_code" in str(responses["400"].content):
                del responses["400"]
            if operation and operation.request_body and (method, path) in optional_bodies:
                operation.request_body.required = False
    return openapi


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
    # 405 carries Allow; 429 from a rate limit carries Retry-After.
    return error_response(exc.status_code, code, str(detail), dict(exc.headers) if exc.headers else None)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Something went wrong on the server.")


EXCEPTION_HANDLERS = {
    AppError: app_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
