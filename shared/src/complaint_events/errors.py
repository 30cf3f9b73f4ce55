"""Field-level validation errors and the reasons a message can be refused."""

from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationError

from .fields import Model


class ReasonCode(StrEnum):
    """Why a message was refused; the values go into `SubmissionRejected.reason_codes`."""

    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported_schema_version"
    VALIDATION_FAILED = "validation_failed"


class FieldError(Model):
    """One rejected field: dotted path (list indexes as numbers), message and error type."""

    field: str = Field(max_length=1_000, examples=["payload.complainant.email"])
    message: str = Field(max_length=2_000)
    type: str = Field(max_length=200, examples=["string_too_long"])


def field_errors_from(error: ValidationError, *, prefix: str = "") -> list[FieldError]:
    """Translate a pydantic error into `FieldError`s that each name their field."""
    return [_field_error(detail, prefix) for detail in error.errors(include_url=False)]


def _field_error(detail: Any, prefix: str) -> FieldError:
    location = [str(part) for part in detail["loc"]]
    # Cross-field checks name the field they blame in their context.
    blamed = detail.get("ctx", {}).get("field")
    if blamed:
        location.append(str(blamed))
    path = ".".join(location)
    if prefix:
        path = f"{prefix}.{path}" if path else prefix
    return FieldError(field=path, message=str(detail["msg"]), type=str(detail["type"]))


class DecodeError(ValueError):
    """A Kafka message that cannot become an event; carries what a dead letter needs."""

    def __init__(
        self,
        reason_code: ReasonCode,
        detail: str,
        *,
        field_errors: list[FieldError] | None = None,
        event_type: str | None = None,
        schema_version: int | None = None,
    ) -> None:
        super().__init__(f"{reason_code}: {detail}")
        self.reason_code = reason_code
        self.detail = detail
        self.field_errors = field_errors or []
        self.event_type = event_type
        self.schema_version = schema_version
