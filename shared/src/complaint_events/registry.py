"""Every event type the system knows, by name and schema version."""

from .archive import AttachmentStored, RetentionPurged
from .base import EventPayload
from .classified import ComplaintClassified
from .deadlines import (
    DeadlineBreached,
    DeadlineCancelled,
    DeadlineMet,
    DeadlineRescheduled,
    DeadlineScheduled,
)
from .lifecycle import LIFECYCLE_EVENTS
from .notices import NoticeFailed, NoticeSent
from .received import ComplaintReceived
from .rejected import SubmissionRejected
from .submitted import ComplaintSubmitted

ALL_EVENTS: tuple[type[EventPayload], ...] = (
    ComplaintSubmitted,
    ComplaintReceived,
    SubmissionRejected,
    ComplaintClassified,
    *LIFECYCLE_EVENTS,
    DeadlineScheduled,
    DeadlineMet,
    DeadlineBreached,
    DeadlineRescheduled,
    DeadlineCancelled,
    NoticeSent,
    NoticeFailed,
    RetentionPurged,
    AttachmentStored,
)

EVENT_TYPES: dict[str, type[EventPayload]] = {event.event_type: event for event in ALL_EVENTS}
"""Event type name → its current payload class."""


def payload_type(event_type: str) -> type[EventPayload]:
    """The payload class of an event type; KeyError when unknown."""
    return EVENT_TYPES[event_type]
