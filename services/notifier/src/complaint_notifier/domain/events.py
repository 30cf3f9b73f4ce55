"""The little the clocks need to know about a complaint's events."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from complaint_events import CapaVerified, ClockPaused, ClockResumed, ComplaintReceived, Envelope


@dataclass(frozen=True)
class ComplaintEvent:
    event_type: str
    at: datetime
    """When the fact happened (for a receipt: when the complaint was received)."""
    step: str | None = None
    """For ClockPaused / ClockResumed: the one clock meant; None means every clock."""
    event_id: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("event times must be timezone-aware")
        # One representation per instant, so that ids built from times are stable.
        object.__setattr__(self, "at", self.at.astimezone(UTC))


def from_envelope(envelope: Envelope[Any]) -> ComplaintEvent:
    """The clock-relevant view of a decoded event."""
    payload = envelope.payload
    at = envelope.occurred_at
    if isinstance(payload, ComplaintReceived) and payload.submission.received_at is not None:
        at = payload.submission.received_at
    if isinstance(payload, CapaVerified):
        at = payload.verified_at
    step = payload.step if isinstance(payload, ClockPaused | ClockResumed) else None
    return ComplaintEvent(envelope.event_type, at, step=step, event_id=envelope.event_id)
