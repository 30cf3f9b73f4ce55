"""Constrained field types shared by every event payload.

Every limit lives here so that producers, consumers and the JSON Schemas agree on it.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

LABEL_MAX = 200
INT64_MAX = 2**63 - 1
"""The largest integer any field takes: MongoDB (every service that stores an event) keeps at
most a signed 64-bit integer."""
TEXT_MAX = 2_000
LONG_TEXT_MAX = 20_000


class Model(BaseModel):
    """Base of every event model: immutable, unknown fields ignored (forward compatible)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


# Whitespace as JSON Schema (ECMA-262) regexes see it, so the model and the schema agree.
NON_BLANK_PATTERN = (
    "[^\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
)
_NON_BLANK = re.compile(NON_BLANK_PATTERN)


def _require_non_blank(value: str) -> str:
    if not _NON_BLANK.search(value):
        raise PydanticCustomError("blank_string", "must not be blank")
    return value


@dataclass(frozen=True)
class _NotBlank:
    """Rejects whitespace-only strings; shown as a pattern in JSON Schema."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_require_non_blank, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = NON_BLANK_PATTERN
        return json_schema


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise PydanticCustomError(
            "datetime_out_of_range", "is outside years 1 to 9999 once converted to UTC"
        ) from None


# Text is kept exactly as given (no stripping): evidence offsets point into it.
Label = Annotated[str, StringConstraints(min_length=1, max_length=LABEL_MAX), _NotBlank()]
Text = Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX), _NotBlank()]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=LONG_TEXT_MAX), _NotBlank()]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=64), _NotBlank()]
Phone = Annotated[str, StringConstraints(min_length=3, max_length=40), _NotBlank()]
Email = Annotated[str, StringConstraints(min_length=3, max_length=254), _NotBlank()]
Url = Annotated[str, StringConstraints(max_length=2_048, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")]

# Identifiers travel in keys, headers and URLs: a conservative ASCII alphabet.
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:/-]{1,128}$")]
ServiceName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
EventTypeName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Za-z0-9]{0,99}$")]
EventId = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    ),
]
ComplaintNumber = Annotated[str, StringConstraints(pattern=r"^TS-[0-9]{8}-[0-9]{6}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
LanguageTag = Annotated[
    str, StringConstraints(max_length=35, pattern=r"^([A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*|mixed)$")
]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ContentType = Annotated[
    str,
    StringConstraints(
        max_length=255, pattern=r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+( *;.*)?$"
    ),
]

UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime; naive values are rejected, aware ones normalised to UTC."""


def _decode_base64(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except binascii.Error as error:
        raise PydanticCustomError(
            "base64_invalid", "must be base64: {error}", {"error": str(error)}
        ) from None


def _encode_base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_decode_base64),
    PlainSerializer(_encode_base64, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]
"""Raw bytes; standard base64 in JSON (a str given to the model is read as base64)."""
