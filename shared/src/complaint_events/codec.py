"""Kafka value, key and header encoding of envelopes, and routing decode by header."""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from .base import EventPayload
from .envelope import Envelope, envelope_type
from .errors import DecodeError, FieldError, ReasonCode, field_errors_from
from .registry import EVENT_TYPES

EVENT_TYPE_HEADER = "event_type"
SCHEMA_VERSION_HEADER = "schema_version"
EVENT_ID_HEADER = "event_id"
CONTENT_TYPE_HEADER = "content-type"
CONTENT_TYPE = "application/json"

HeaderValue = bytes | str
Headers = Mapping[str, HeaderValue] | Iterable[tuple[str, HeaderValue]]


def encode(envelope: Envelope[Any]) -> bytes:
    """Compact UTF-8 JSON; non-ASCII text stays as UTF-8, bytes become base64."""
    return envelope.model_dump_json().encode("utf-8")


def message_key(envelope: Envelope[Any]) -> bytes:
    """Kafka key: the complaint id, so one complaint's events stay in order on one partition.

    A submission is keyed by "source_system/external_reference"; a dead letter of an unknown
    complaint by its own event id.
    """
    key = envelope.payload.partition_key() or envelope.complaint_id or envelope.event_id
    return str(key).encode("utf-8")


def header_map(envelope: Envelope[Any]) -> dict[str, str]:
    """Routing headers as text (the form FastStream's `publish(headers=...)` takes)."""
    return {
        EVENT_TYPE_HEADER: envelope.event_type,
        SCHEMA_VERSION_HEADER: str(envelope.schema_version),
        EVENT_ID_HEADER: envelope.event_id,
        CONTENT_TYPE_HEADER: CONTENT_TYPE,
    }


def headers_for(envelope: Envelope[Any]) -> list[tuple[str, bytes]]:
    """Routing headers as Kafka record headers."""
    return [(name, value.encode("utf-8")) for name, value in header_map(envelope).items()]


def read_headers(headers: Headers | None) -> dict[str, str]:
    """Headers from aiokafka (list of pairs) or FastStream (dict) as text; bad UTF-8 skipped."""
    if headers is None:
        return {}
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    text: dict[str, str] = {}
    for name, value in pairs:
        try:
            text[name] = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        except UnicodeDecodeError:
            continue
    return text


def decode(value: bytes, headers: Headers | None = None) -> Envelope[Any]:
    """Parse a Kafka value into the envelope of its event type.

    The type comes from the `event_type` header (the body's field when there is no header).
    Raises `DecodeError` with a reason code and field errors; unknown body fields are ignored.
    """
    routing = read_headers(headers)
    if EVENT_TYPE_HEADER in routing:
        version = _schema_version(routing.get(SCHEMA_VERSION_HEADER))
        payload_class = _payload_class(routing[EVENT_TYPE_HEADER], version)
        body = _json_object(value)
    else:
        body = _json_object(value)
        version = _schema_version(body.get("schema_version"))
        payload_class = _payload_class(body.get("event_type"), version)
    _check_body_agrees(body, payload_class.event_type)
    try:
        return envelope_type(payload_class).model_validate_json(value)
    except ValidationError as error:
        raise DecodeError(
            ReasonCode.VALIDATION_FAILED,
            f"{error.error_count()} invalid field(s) in {payload_class.event_type}",
            field_errors=field_errors_from(error),
            event_type=payload_class.event_type,
            schema_version=version,
        ) from error


def _check_body_agrees(body: dict[str, Any], event_type: str) -> None:
    found = body.get("event_type")
    if found is not None and found != event_type:
        message = f"body says {found!r}, header says {event_type!r}"
        raise DecodeError(
            ReasonCode.VALIDATION_FAILED,
            message,
            field_errors=[FieldError(field="event_type", message=message, type="header_mismatch")],
            event_type=event_type,
        )


def _json_object(value: bytes) -> dict[str, Any]:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DecodeError(ReasonCode.NOT_UTF8, f"value is not UTF-8 ({error.reason})") from error
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise DecodeError(ReasonCode.NOT_JSON, f"value is not JSON ({error.msg})") from error
    except ValueError:  # an integer of over 4,300 digits (Python's int conversion limit)
        raise DecodeError(ReasonCode.NOT_JSON, "value has a number too long to read") from None
    except RecursionError:  # a hostile b"[[[[..." must be refused, not crash the consumer
        raise DecodeError(ReasonCode.NOT_JSON, "value nests too deeply to be an event") from None
    if not isinstance(body, dict):
        raise DecodeError(ReasonCode.NOT_JSON, "value is JSON but not an object")
    return body


def _schema_version(raw: object) -> int | None:
    if raw is None:
        return None
    try:
        return int(str(raw))
    except ValueError:
        raise DecodeError(
            ReasonCode.UNSUPPORTED_SCHEMA_VERSION, f"schema_version {raw!r} is not an integer"
        ) from None


def _payload_class(event_type: object, version: int | None) -> type[EventPayload]:
    if not isinstance(event_type, str) or not event_type:
        raise DecodeError(
            ReasonCode.VALIDATION_FAILED,
            "no event_type in headers or body",
            field_errors=[FieldError(field="event_type", message="missing", type="missing")],
        )
    payload_class = EVENT_TYPES.get(event_type)
    if payload_class is None:
        raise DecodeError(
            ReasonCode.UNKNOWN_EVENT_TYPE,
            f"unknown event type {event_type!r}",
            event_type=event_type,
            schema_version=version,
        )
    if version is not None and version != payload_class.schema_version:
        raise DecodeError(
            ReasonCode.UNSUPPORTED_SCHEMA_VERSION,
            f"{event_type} v{version} is not supported (known: v{payload_class.schema_version})",
            event_type=event_type,
            schema_version=version,
        )
    return payload_class
