"""The envelope every event travels in, and the helpers that build it."""

from datetime import UTC, datetime
from typing import Any, Generic, Self, TypeVar, cast

import uuid_utils
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .base import EventPayload
from .fields import INT64_MAX, EventId, EventTypeName, Identifier, Model, ServiceName, UtcDatetime

P = TypeVar("P", bound=EventPayload)


class Envelope(Model, Generic[P]):
    """Metadata common to every event plus its typed payload.

    Always parametrise it (`Envelope[ComplaintReceived]`): `new_event` and `decode` do.
    """

    event_id: EventId = Field(description="UUIDv7: unique and ordered by creation time.")
    event_type: EventTypeName = Field(examples=["ComplaintReceived"])
    schema_version: int = Field(ge=1, le=INT64_MAX, description="Version of the payload schema.")
    occurred_at: UtcDatetime = Field(description="When the fact happened, in UTC.")
    complaint_id: Identifier | None = Field(
        description="None only for ComplaintSubmitted and dead letters of unknown complaints."
    )
    correlation_id: Identifier = Field(description="Shared by every event of one causal chain.")
    causation_id: Identifier | None = Field(
        default=None, description="event_id of the event that caused this one."
    )
    producer: ServiceName = Field(examples=["intake"])
    payload: P

    @model_validator(mode="after")
    def _agrees_with_payload(self) -> Self:
        payload_type = type(self.payload)
        if self.event_type != payload_type.event_type:
            raise PydanticCustomError(
                "event_type_mismatch",
                "{field} {found} does not match the payload type {expected}",
                {
                    "field": "event_type",
                    "found": self.event_type,
                    "expected": payload_type.event_type,
                },
            )
        if self.schema_version != payload_type.schema_version:
            raise PydanticCustomError(
                "schema_version_mismatch",
                "{field} {found} does not match the payload version {expected}",
                {
                    "field": "schema_version",
                    "found": self.schema_version,
                    "expected": payload_type.schema_version,
                },
            )
        own_id = getattr(self.payload, "complaint_id", None)
        if own_id is not None and self.complaint_id != own_id:
            raise PydanticCustomError(
                "complaint_id_mismatch",
                "{field} differs from the payload's complaint_id",
                {"field": "complaint_id"},
            )
        if self.complaint_id is None and payload_type.requires_complaint_id:
            raise PydanticCustomError(
                "complaint_id_required",
                "{field} is required for {event_type}",
                {"field": "complaint_id", "event_type": self.event_type},
            )
        return self


def envelope_type(payload_type: type[P]) -> type[Envelope[P]]:
    """The envelope model parametrised with one payload class."""
    return cast(type[Envelope[P]], Envelope.__class_getitem__(payload_type))


def new_event_id() -> str:
    return str(uuid_utils.uuid7())


def new_event(
    payload: P,
    *,
    producer: str,
    complaint_id: str | None = None,
    correlation_id: str | None = None,
    caused_by: Envelope[Any] | None = None,
    occurred_at: datetime | None = None,
) -> Envelope[P]:
    """Wrap a payload in an envelope with fresh ids.

    The complaint id and correlation id default to those of `caused_by`; a chain's first event
    correlates with itself.
    """
    event_id = new_event_id()
    if complaint_id is None:
        complaint_id = _implied_complaint_id(payload, caused_by)
    if correlation_id is None:
        correlation_id = caused_by.correlation_id if caused_by else event_id
    return envelope_type(type(payload))(
        event_id=event_id,
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        occurred_at=occurred_at or datetime.now(UTC),
        complaint_id=complaint_id,
        correlation_id=correlation_id,
        causation_id=caused_by.event_id if caused_by else None,
        producer=producer,
        payload=payload,
    )


def _implied_complaint_id(payload: EventPayload, caused_by: Envelope[Any] | None) -> str | None:
    own_id = getattr(payload, "complaint_id", None)
    if isinstance(own_id, str):
        return own_id
    return caused_by.complaint_id if caused_by else None
