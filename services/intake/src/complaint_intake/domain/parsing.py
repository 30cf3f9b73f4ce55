"""Bytes in, a validated submission or lifecycle command out (or the refusal saying why).

Both ways in (REST and the submitted topic) go through these functions, so they accept and
refuse exactly the same things.
"""

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import pydantic_core
from pydantic import BaseModel, Field, ValidationError, create_model

from complaint_events import (
    EVENT_TYPE_HEADER,
    EVENT_TYPES,
    LIFECYCLE_COMMANDS,
    SCHEMA_VERSION_HEADER,
    Channel,
    ComplaintSubmitted,
    FieldError,
    Headers,
    LifecycleEvent,
    envelope_type,
    field_errors_from,
    read_headers,
)

from .normalise import tidy
from .refusals import Reason, Refusal

SUBMITTED = ComplaintSubmitted.event_type
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Incoming:
    """A valid submission and, when it came in an envelope, that envelope's ids."""

    submission: ComplaintSubmitted
    correlation_id: str | None = None
    causation_id: str | None = None


@cache
def submission_model(default_channel: Channel) -> type[ComplaintSubmitted]:
    """`ComplaintSubmitted` whose `channel` may be left out (the way in decides the default)."""
    return create_model(
        "ComplaintSubmission",
        __base__=ComplaintSubmitted,
        channel=(Channel, Field(default=default_channel)),
    )


def parse_submission(
    raw: bytes,
    headers: Headers | None = None,
    *,
    default_channel: Channel,
    max_bytes: int,
    phone_region: str = "CN",
    policies: Collection[str] | None = None,
) -> Incoming | Refusal:
    """A tidied `ComplaintSubmitted`, bare or in its envelope (told apart by `payload`);
    one naming a policy not among `policies` (when given) is refused, naming the field."""
    body = _json_object(raw, max_bytes)
    if isinstance(body, Refusal):
        return body
    model = submission_model(default_channel)
    if "payload" in body and "event_type" in body:
        found = _from_envelope(raw, body, read_headers(headers), model)
    else:
        routing = read_headers(headers)
        wrong = _wrong_type(routing.get(EVENT_TYPE_HEADER), SUBMITTED)
        wrong = wrong or _unsupported(routing.get(SCHEMA_VERSION_HEADER))
        submission = wrong or _validated(model, raw)
        found = submission if isinstance(submission, Refusal) else Incoming(submission)
    if isinstance(found, Refusal):
        return found
    tidied = tidy(found.submission, phone_region=phone_region)
    if isinstance(tidied, Refusal):
        return tidied
    if policies is not None and tidied.policy_id and tidied.policy_id not in policies:
        return _unknown_policy(tidied.policy_id, policies)
    return Incoming(tidied, found.correlation_id, found.causation_id)


def _unknown_policy(policy_id: str, policies: Collection[str]) -> Refusal:
    known = ", ".join(sorted(policies)) or "none"
    message = f"no policy {policy_id!r} here (known: {known})"
    error = FieldError(field="policy_id", message=message, type="unknown_policy")
    return Refusal(Reason.VALIDATION_FAILED, message, (error,))


def parse_command(command: str, raw: bytes, *, max_bytes: int) -> LifecycleEvent | Refusal:
    """The lifecycle event a command records; `command` must be in `LIFECYCLE_COMMANDS`."""
    body = _json_object(raw, max_bytes)
    if isinstance(body, Refusal):
        return body
    return _validated(LIFECYCLE_COMMANDS[command], raw)


def _from_envelope(
    raw: bytes, body: dict[str, Any], headers: dict[str, str], model: type[ComplaintSubmitted]
) -> Incoming | Refusal:
    for event_type in (headers.get(EVENT_TYPE_HEADER), body.get("event_type")):
        wrong = _wrong_type(event_type, SUBMITTED)
        if wrong:
            return wrong
    for version in (headers.get(SCHEMA_VERSION_HEADER), body.get("schema_version")):
        unsupported = _unsupported(version)
        if unsupported:
            return unsupported
    envelope = _validated(envelope_type(model), raw)
    if isinstance(envelope, Refusal):
        return envelope
    return Incoming(envelope.payload, envelope.correlation_id, envelope.event_id)


def _unsupported(version: object) -> Refusal | None:
    """A schema version (header or envelope field) this intake cannot read, bare or not."""
    if version is None or str(version) == str(ComplaintSubmitted.schema_version):
        return None
    return Refusal(
        Reason.UNSUPPORTED_SCHEMA_VERSION,
        f"{SUBMITTED} v{str(version)[:20]} is not supported (known: v1)",
    )


def _json_object(raw: bytes, max_bytes: int) -> dict[str, Any] | Refusal:
    if len(raw) > max_bytes:
        return Refusal(Reason.TOO_LARGE, f"{len(raw)} bytes; the limit is {max_bytes}")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Refusal(Reason.NOT_UTF8, f"not UTF-8 at byte {error.start}")
    try:
        body = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as error:
        return Refusal(Reason.NOT_JSON, f"not JSON: {error}")
    if not isinstance(body, dict):
        return Refusal(Reason.NOT_JSON, "JSON but not an object")
    return body


def _wrong_type(event_type: object, expected: str) -> Refusal | None:
    if event_type is None or event_type == expected:
        return None
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        return Refusal(Reason.UNKNOWN_EVENT_TYPE, f"unknown event type {str(event_type)[:100]!r}")
    message = f"{event_type} is not accepted here, only {expected}"
    error = FieldError(field="event_type", message=message, type="event_type_not_accepted")
    return Refusal(Reason.VALIDATION_FAILED, message, (error,))


def _validated(model: type[M], raw: bytes) -> M | Refusal:
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        errors = tuple(field_errors_from(error))
        if any(found.type == "json_invalid" for found in errors):
            return Refusal(Reason.NOT_JSON, errors[0].message)
        detail = f"{error.error_count()} invalid field(s)"
        return Refusal(Reason.VALIDATION_FAILED, detail, errors)
