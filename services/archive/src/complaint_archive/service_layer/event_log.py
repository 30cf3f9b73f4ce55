"""The event log's form of an event, and the event again from it (for rebuilds)."""

from datetime import datetime
from typing import Any

from complaint_events import Envelope, SubmissionRejected, envelope_type, payload_type

from ..domain import Document, at_millis, event_key
from .delivered import Delivered

HEADERS = "original_headers"


def log_entry(item: Delivered, archived_at: datetime) -> Document:
    """The event log's form of an event: the envelope as JSON, and what rebuilds sort by."""
    event = item.envelope
    return {
        "_id": event.event_id,
        "complaint_id": event.complaint_id,
        "event_type": event.event_type,
        "occurred_at": at_millis(event.occurred_at),
        "key": event_key(event.occurred_at, event.event_id),
        "source": {"topic": item.topic, "partition": item.partition, "offset": item.offset},
        "archived_at": at_millis(archived_at),
        "envelope": event.model_dump(mode="json"),
    }


def envelope_of(entry: Document) -> Envelope[Any]:
    model = envelope_type(payload_type(entry["event_type"]))
    return model.model_validate(_with_header_pairs(entry["envelope"]))


def _with_header_pairs(envelope: Document) -> Document:
    """A dead letter's headers as `[name, value]` pairs, also where an older entry holds them
    as `{name, value}` objects."""
    headers = envelope["payload"].get(HEADERS)
    if envelope["event_type"] != SubmissionRejected.event_type or not headers:
        return envelope
    pairs = [(h["name"], h["value"]) if isinstance(h, dict) else h for h in headers]
    return {**envelope, "payload": {**envelope["payload"], HEADERS: pairs}}
