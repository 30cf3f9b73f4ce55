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
PERSONAL_DATA_RETENTION_MS = 7 * DAY_MS
"""How long a topic that carries personal data keeps a record (the operator may change it:
`TOPIC_PERSONAL_DATA_RETENTION_MS`, read by deploy/local/topics.py). The archive in MongoDB is
the system of record; Kafka only transports."""


def segment_ms_for(retention_ms: int) -> int:
    """Kafka deletes whole segments once their newest record has passed the retention, so a
    segment must close soon enough: half the retention, at most a day. A personal record is then
    gone within retention + segment + the broker's `log.retention.check.interval.ms`."""
    return max(1, min(DAY_MS, retention_ms // 2))


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
    personal_data: str = ""
    """Why the topic's records hold the complainant's personal data; empty when they do not.
    Such a topic has a finite retention the operator sets (`PERSONAL_DATA_RETENTION_MS`)."""

    def configs(self, personal_data_retention_ms: int | None = None) -> dict[str, str]:
        """Kafka topic configuration entries for creating the topic; a topic carrying personal
        data gets `personal_data_retention_ms` (when given) instead of its catalogued retention,
        and a `segment.ms` that lets Kafka delete it on time."""
        retention = self.retention_ms
        configs: dict[str, str] = {"cleanup.policy": self.cleanup_policy}
        if self.personal_data:
            if personal_data_retention_ms is not None:
                retention = personal_data_retention_ms
            if retention <= 0:
                raise ValueError(f"{self.name} carries personal data: its retention must be finite")
            configs["segment.ms"] = str(segment_ms_for(retention))
        return {"retention.ms": str(retention), **configs}


def _types(*events: type[EventPayload]) -> tuple[str, ...]:
    return tuple(event.event_type for event in events)


SUBMITTED = TopicSpec(
    name="complaints.submitted.v1",
    partitions=6,
    retention_ms=PERSONAL_DATA_RETENTION_MS,
    event_types=_types(ComplaintSubmitted),
    description="Raw submissions from other systems; intake validates them.",
    producers=("external", "intake"),
    consumers=("intake",),
    personal_data="the complainant block (name, phone, e-mail, address) and the free text",
)
RECEIVED = TopicSpec(
    name="complaints.received.v1",
    partitions=6,
    retention_ms=PERSONAL_DATA_RETENTION_MS,
    event_types=_types(ComplaintReceived),
    description="Accepted, normalised and numbered complaints.",
    producers=("intake",),
    consumers=("classifier", "notifier", "archive"),
    personal_data="the complainant block and the free text, normalised",
)
CLASSIFIED = TopicSpec(
    name="complaints.classified.v1",
    partitions=6,
    retention_ms=PERSONAL_DATA_RETENTION_MS,
    event_types=_types(ComplaintClassified),
    description="Classification decisions with the rules and evidence behind them.",
    producers=("classifier",),
    consumers=("notifier", "archive"),
    personal_data="rule evidence quotes the complaint's text, which the complainant wrote",
)
LIFECYCLE = TopicSpec(
    name="complaints.lifecycle.v1",
    partitions=6,
    retention_ms=PERSONAL_DATA_RETENTION_MS,
    event_types=_types(*LIFECYCLE_EVENTS),
    description="What staff did to complaints, recorded through intake's API.",
    producers=("intake",),
    consumers=("classifier", "notifier", "archive"),
    personal_data="replies to the complainant, notes, reasons and dispositions are free text",
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
    retention_ms=PERSONAL_DATA_RETENTION_MS,
    event_types=_types(RetentionPurged, AttachmentStored),
    description="Retention purges and stored attachments.",
    producers=("archive",),
    consumers=("archive",),
    personal_data="attachment file names, chosen by the complainant, may name them",
)
REJECTED = TopicSpec(
    name="complaints.rejected.v1",
    partitions=3,
    retention_ms=PERSONAL_DATA_RETENTION_MS,
    event_types=_types(SubmissionRejected),
    description="Dead letters: refused messages with reasons and their original bytes.",
    producers=("intake", "classifier", "notifier", "archive"),
    consumers=("archive",),
    personal_data="the refused message's original bytes, complainant included",
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

PERSONAL_DATA_TOPICS: tuple[TopicSpec, ...] = tuple(spec for spec in TOPICS if spec.personal_data)
"""Deadlines (ids, steps, times, reasons the notifier writes) and notices (staff recipients,
delivery errors; never the complainant) carry none and keep their records for ever."""

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
