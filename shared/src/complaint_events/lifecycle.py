"""Lifecycle events: what staff did to a complaint, one class per command of intake's API."""

from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from .base import EventPayload
from .fields import INT64_MAX, Label, LongText, Text, UtcDatetime


class LifecycleEvent(EventPayload):
    """Base of every lifecycle event; `command` is the intake command that records it."""

    command: ClassVar[str]

    actor: Label = Field(description="Staff id or role who did it (never the complainant).")
    note: Text | None = None


class ContactMethod(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    SMS = "sms"
    IN_PERSON = "in_person"
    VIDEO = "video"
    OTHER = "other"


class Responsibility(StrEnum):
    OURS = "ours"
    CUSTOMER_MISUSE = "customer_misuse"
    SUPPLIER = "supplier"
    NOT_OURS = "not_ours"
    UNDETERMINED = "undetermined"


class ComplaintAcknowledged(LifecycleEvent):
    event_type: ClassVar[str] = "ComplaintAcknowledged"
    command: ClassVar[str] = "acknowledge"


class ComplaintAssigned(LifecycleEvent):
    event_type: ClassVar[str] = "ComplaintAssigned"
    command: ClassVar[str] = "assign"

    department: Label
    handler: Label | None = None


class ComplainantContacted(LifecycleEvent):
    event_type: ClassVar[str] = "ComplainantContacted"
    command: ClassVar[str] = "contact"

    method: ContactMethod
    site_visit: bool = False


class ReplySent(LifecycleEvent):
    event_type: ClassVar[str] = "ReplySent"
    command: ClassVar[str] = "reply"

    content: LongText
    approved_by: Label | None = None


class ReplyAccepted(LifecycleEvent):
    event_type: ClassVar[str] = "ReplyAccepted"
    command: ClassVar[str] = "accept_reply"

    satisfaction: int | None = Field(default=None, ge=1, le=5)


class ReplyRejected(LifecycleEvent):
    event_type: ClassVar[str] = "ReplyRejected"
    command: ClassVar[str] = "reject_reply"

    reason: Text


class ComplaintResolved(LifecycleEvent):
    event_type: ClassVar[str] = "ComplaintResolved"
    command: ClassVar[str] = "resolve"

    responsibility: Responsibility
    disposition: Text
    cause: Text | None = None
    actions: list[Text] = Field(default_factory=list, max_length=100)


class CapaVerified(LifecycleEvent):
    event_type: ClassVar[str] = "CapaVerified"
    command: ClassVar[str] = "verify_capa"

    round: int = Field(ge=1, le=100)
    effective: bool
    verified_at: UtcDatetime


class ComplaintClosed(LifecycleEvent):
    event_type: ClassVar[str] = "ComplaintClosed"
    command: ClassVar[str] = "close"

    outcome: Text


class ComplaintReopened(LifecycleEvent):
    event_type: ClassVar[str] = "ComplaintReopened"
    command: ClassVar[str] = "reopen"

    reason: Text


class ComplaintTransferred(LifecycleEvent):
    event_type: ClassVar[str] = "ComplaintTransferred"
    command: ClassVar[str] = "transfer"

    to_body: Label
    reason: Text


class ComplaintWithdrawn(LifecycleEvent):
    event_type: ClassVar[str] = "ComplaintWithdrawn"
    command: ClassVar[str] = "withdraw"

    reason: Text


class ComplaintReclassified(LifecycleEvent):
    """A manual override of the classification; replaces it as a whole."""

    event_type: ClassVar[str] = "ComplaintReclassified"
    command: ClassVar[str] = "reclassify"

    severity: Label
    severity_rank: int | None = Field(default=None, ge=0, le=INT64_MAX)
    category: Label | None = None
    department: Label | None = None
    flags: list[Label] = Field(default_factory=list, max_length=100)
    reason: Text


class ClockPaused(LifecycleEvent):
    """Deadline clocks stop (e.g. while a sample is tested); `step` None pauses them all."""

    event_type: ClassVar[str] = "ClockPaused"
    command: ClassVar[str] = "pause_clock"

    reason: Text
    step: Label | None = None


class ClockResumed(LifecycleEvent):
    event_type: ClassVar[str] = "ClockResumed"
    command: ClassVar[str] = "resume_clock"

    step: Label | None = None


class LegalHoldSet(LifecycleEvent):
    event_type: ClassVar[str] = "LegalHoldSet"
    command: ClassVar[str] = "set_legal_hold"

    reason: Text


class LegalHoldReleased(LifecycleEvent):
    event_type: ClassVar[str] = "LegalHoldReleased"
    command: ClassVar[str] = "release_legal_hold"

    reason: Text


LIFECYCLE_EVENTS: tuple[type[LifecycleEvent], ...] = (
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplainantContacted,
    ReplySent,
    ReplyAccepted,
    ReplyRejected,
    ComplaintResolved,
    CapaVerified,
    ComplaintClosed,
    ComplaintReopened,
    ComplaintTransferred,
    ComplaintWithdrawn,
    ComplaintReclassified,
    ClockPaused,
    ClockResumed,
    LegalHoldSet,
    LegalHoldReleased,
)

LIFECYCLE_COMMANDS: dict[str, type[LifecycleEvent]] = {
    event.command: event for event in LIFECYCLE_EVENTS
}
"""Intake's command name (e.g. "assign") → the payload class that records it."""
