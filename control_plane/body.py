"""Strict request bodies: JSON decoded straight into the handler's msgspec schema, and text the database can store.

Handlers declare `data: SomeStruct`; `StrictJson` (set once on the app) decodes the body with msgspec in strict
mode, where Litestar's own conversion is lenient (it turns "3" into 3). Every failure is a clear 4xx with its own
code: a body that is not JSON, or not UTF-8, is `400 malformed_json`; one sent as another media type is
`415 unsupported_media_type`; one of the wrong shape, or with text no database column can hold (NUL, which
PostgreSQL refuses, and lone surrogates) or a time outside what the database stores, is `422 invalid_input`.
The request body of each operation in the OpenAPI document is the same Struct.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar.dto import AbstractDTO
from litestar.dto.data_structures import DTOFieldDefinition
from litestar.typing import FieldDefinition

from control_plane.errors import InvalidInput, MalformedJson, UnsupportedMediaType

# Times a client sends are stored as timestamps; outside these years they are not a time this product meets.
EARLIEST_YEAR, LATEST_YEAR = 1970, 9998


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("", "application/json") or media.endswith("+json")


def check_value(value: Any, where: str = "body") -> None:
    """Refuse what no column can hold: NUL and lone surrogates in text, times outside EARLIEST..LATEST_YEAR."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput(f"{where}: text may not contain the NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(f"{where}: text is not valid Unicode (a lone surrogate)") from None
    elif isinstance(value, datetime):
        try:
            year = value.astimezone(UTC).year if value.tzinfo else value.year
        except OverflowError:
            year = 0
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise InvalidInput(f"{where}: a time between {EARLIEST_YEAR} and {LATEST_YEAR} is expected")
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            check_value(getattr(value, name), f"{where}.{name}" if where != "body" else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, where)
            check_value(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_value(item, f"{where}[{i}]")


def decode(raw: bytes, schema: Any, content_type: str = "application/json") -> Any:
    if raw and not is_json(content_type):
        raise UnsupportedMediaType()
    try:
        value = msgspec.json.decode(raw or b"null", type=schema, strict=True)
    except msgspec.ValidationError as exc:
        raise InvalidInput(str(exc).replace("`$.", "`").replace("$", "body")) from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise MalformedJson() from None
    check_value(value)
    return value


class StrictJson(AbstractDTO):
    """The request body of every handler that takes `data`: decoded by `decode` into the handler's own type.

    Only the request side: responses are the handlers' return types, encoded by Litestar as usual."""

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    @classmethod
    def is_supported_model_type_field(cls, field_definition: FieldDefinition) -> bool:
        return False  # never used for the return value

    @classmethod
    def create_for_field_definition(cls, field_definition: FieldDefinition, handler_id: str, backend_cls=None) -> None:
        return None

    @classmethod
    def create_openapi_schema(cls, field_definition: FieldDefinition, handler_id: str, schema_creator):
        return schema_creator.for_field_definition(field_definition)

    def decode_bytes(self, value: bytes) -> Any:
        connection = self.asgi_connection
        schema = connection.route_handler.parsed_data_field.annotation
        return decode(value, schema, connection.headers.get("content-type", ""))

    def decode_builtins(self, value: dict[str, Any]) -> Any:
        raise UnsupportedMediaType()  # form bodies; see is_json
