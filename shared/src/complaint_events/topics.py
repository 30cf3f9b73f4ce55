"""The topic catalogue: the only place topic names and settings are written.

Services and the stack's topic creation read it; `topic_name` adds a prefix for isolated runs.
"""

from dataclasses import dataclass
from typing import Literal

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

CleanupPolicy = Literal["delete", "compact", "compact,delete"]

FOREVER = -1
DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    retention_ms: int
    event_types: tuple[str, ...]
    cleanup_policy: CleanupPolicy = "delete"
    replication_factor: int = 1
    description: str = ""
    producers: tuple[str, ...] = ()
    consumers: tuple[str, ...] = ()

    def configs(self) -> dict[str, str]:
        """Kafka topic configuration entries for creating the topic."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


def _types(*events: type[EventPayload]) -> tuple[str, ...]:
    return tuple(event.event_type for event in events)


SUBMITTED = TopicSpec(
    name="complaints.submitted.v1",
    partitions=6,
    retention_ms=14 * DAY_MS,
    event_types=_types(ComplaintSubmitted),
    description="Raw submissions from other systems; intake validates them.",
    producers=("external", "intake"),
    consumers=("intake",),
)
RECEIVED = TopicSpec(
    name="complaints.received.v1",
    partitions=6,
    retention_ms=FOREVER,
    event_types=_types(ComplaintReceived),
    description="Accepted, normalised and numbered complaints.",
    producers=("intake",),
    consumers=("classifier", "notifier", "archive"),
)
CLASSIFIED = TopicSpec(
    name="complaints.classified.v1",
    partitions=6,
    retention_ms=FOREVER,
    event_types=_types(ComplaintClassified),
    description="Classification decisions with the rules and evidence behind them.",
    producers=("classifier",),
    consumers=("notifier", "archive"),
)
LIFECYCLE = TopicSpec(
    name="complaints.lifecycle.v1",
    partitions=6,
    retention_ms=FOREVER,
    event_types=_types(*LIFECYCLE_EVENTS),
    description="What staff did to complaints, recorded through intake's API.",
    producers=("intake",),
    consumers=("classifier", "notifier", "archive"),
)
DEADLINES = TopicSpec(
    name="complaints.deadlines.v1",
    partitions=6,
    retention_ms=FOREVER,
    event_types=_types(
        DeadlineScheduled, DeadlineMet, DeadlineBreached, DeadlineRescheduled, DeadlineCancelled
    ),
    description="Deadline clocks: scheduled, met, breached, moved, cancelled.",
    producers=("notifier",),
    consumers=("archive",),
)
NOTICES = TopicSpec(
    name="complaints.notices.v1",
    partitions=6,
    retention_ms=FOREVER,
    event_types=_types(NoticeSent, NoticeFailed),
    description="Notices delivered to staff, or failed.",
    producers=("notifier",),
    consumers=("archive",),
)
ARCHIVE = TopicSpec(
    name="complaints.archive.v1",
    partitions=6,
    retention_ms=FOREVER,
    event_types=_types(RetentionPurged, AttachmentStored),
    description="Retention purges and stored attachments.",
    producers=("archive",),
    consumers=("archive",),
)
REJECTED = TopicSpec(
    name="complaints.rejected.v1",
    partitions=3,
    retention_ms=30 * DAY_MS,
    event_types=_types(SubmissionRejected),
    description="Dead letters: refused messages with reasons and their original bytes.",
    producers=("intake", "classifier", "notifier", "archive"),
    consumers=("archive",),
)

TOPICS: tuple[TopicSpec, ...] = (
    SUBMITTED,
    RECEIVED,
    CLASSIFIED,
    LIFECYCLE,
    DEADLINES,
    NOTICES,
    ARCHIVE,
    REJECTED,
)

_BY_NAME = {spec.name: spec for spec in TOPICS}
_BY_EVENT_TYPE = {event_type: spec for spec in TOPICS for event_type in spec.event_types}


def topic_name(topic: TopicSpec | str, prefix: str = "") -> str:
    """The full topic name: `prefix` + catalogue name. A str must be a catalogue name."""
    spec = topic if isinstance(topic, TopicSpec) else topic_spec(topic)
    return f"{prefix}{spec.name}"


def topic_spec(name: str) -> TopicSpec:
    """The catalogue entry for a (prefix-free) topic name; KeyError when unknown."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the topic catalogue") from None


def topic_for_event_type(event_type: str) -> TopicSpec:
    """The topic an event type is published to; KeyError when unknown."""
    try:
        return _BY_EVENT_TYPE[event_type]
    except KeyError:
        raise KeyError(f"no topic carries event type {event_type!r}") from None
