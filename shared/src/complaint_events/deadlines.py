"""Deadline events published by the notifier: a clock per step, met, breached or moved."""

from enum import StrEnum
from typing import Annotated, ClassVar, Self

from pydantic import Field, PlainSerializer, model_validator
from pydantic_core import PydanticCustomError

from .base import EventPayload
from .fields import EventTypeName, Identifier, Label, Text, UtcDatetime


class DeadlineUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    WORKING_HOURS = "working_hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    WEEKS = "weeks"
    MONTHS = "months"
    IMMEDIATELY = "immediately"


def _whole_as_int(value: float) -> int | float:
    """A whole limit as an integer, unless it is too large to be one that MongoDB can store."""
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


class DeadlineScheduled(EventPayload):
    event_type: ClassVar[str] = "DeadlineScheduled"
    schema_version: ClassVar[int] = 1

    deadline_id: Identifier
    policy_id: Identifier
    step: Label = Field(examples=["reply"])
    clock: Label = Field(description="The event or moment the clock counts from.")
    severity: Label | None = None
    started_at: UtcDatetime
    due_at: UtcDatetime
    limit: Annotated[
        float,
        Field(ge=0, allow_inf_nan=False, description="In `unit`s; 0 for immediately."),
        PlainSerializer(_whole_as_int, return_type=int | float),
    ]
    unit: DeadlineUnit
    calendar_id: Identifier | None = None

    @model_validator(mode="after")
    def _due_after_start(self) -> Self:
        if self.due_at < self.started_at:
            raise PydanticCustomError(
                "due_before_start", "due_at must not be before started_at", {"field": "due_at"}
            )
        return self


class DeadlineMet(EventPayload):
    event_type: ClassVar[str] = "DeadlineMet"
    schema_version: ClassVar[int] = 1

    deadline_id: Identifier
    step: Label
    due_at: UtcDatetime
    met_at: UtcDatetime
    stopped_by: EventTypeName = Field(description="Event type that stopped the clock.")


class DeadlineBreached(EventPayload):
    event_type: ClassVar[str] = "DeadlineBreached"
    schema_version: ClassVar[int] = 1

    deadline_id: Identifier
    step: Label
    due_at: UtcDatetime
    breached_at: UtcDatetime
    severity: Label | None = None


class DeadlineRescheduled(EventPayload):
    """A deadline moved by a paused or resumed clock; `due_at` is None while paused."""

    event_type: ClassVar[str] = "DeadlineRescheduled"
    schema_version: ClassVar[int] = 1

    deadline_id: Identifier
    step: Label
    due_at: UtcDatetime | None
    reason: Text


class DeadlineCancelled(EventPayload):
    event_type: ClassVar[str] = "DeadlineCancelled"
    schema_version: ClassVar[int] = 1

    deadline_id: Identifier
    step: Label
    reason: Text
