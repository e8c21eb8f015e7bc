"""Strict request bodies: JSON decoded straight into the domain's msgspec schema.

Litestar's own body conversion is lenient (it turns "3" into 3); a wrong type here is an error with a clear code.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec
from litestar import Request

from control_plane.errors import AppError, InvalidInput

T = TypeVar("T")


class MalformedJson(AppError):
    status_code = 400
    code = "malformed_json"
    detail = "The request body is not valid JSON."


async def read(request: Request, schema: type[T]) -> T:
    raw = await request.body()
    try:
        return msgspec.json.decode(raw or b"null", type=schema)
    except msgspec.ValidationError as exc:
        raise InvalidInput(str(exc).replace("`$.", "`").replace("$", "body")) from None
    except msgspec.DecodeError:
        raise MalformedJson() from None
