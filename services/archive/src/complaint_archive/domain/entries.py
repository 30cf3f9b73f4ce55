"""Timeline entries: what the complaint document keeps of each event, in a storable form.

Values are made BSON-safe here (datetimes cut to milliseconds, dates and decimals as text), so
a document built in memory equals the same document read back from MongoDB.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from complaint_events import ComplaintReceived, Envelope, EventPayload, SubmissionRejected

Document = dict[str, Any]
Entry = dict[str, Any]


def at_millis(moment: datetime) -> datetime:
    """UTC, cut to the millisecond BSON keeps."""
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def event_key(occurred_at: datetime, event_id: str) -> str:
    """Total order of a complaint's events: time (to the microsecond), then the UUIDv7 id.

    Fixed-width text, so it sorts the same in Python and in MongoDB.
    """
    return f"{occurred_at.astimezone(UTC).isoformat(timespec='microseconds')}|{event_id}"


def storable(value: Any) -> Any:
    """A pydantic python-mode dump turned into values BSON stores and gives back unchanged."""
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return at_millis(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def entry_for(envelope: Envelope[Any]) -> Entry:
    return {
        "event_id": envelope.event_id,
        "event_type": envelope.event_type,
        "at": at_millis(envelope.occurred_at),
        "key": event_key(envelope.occurred_at, envelope.event_id),
        "producer": envelope.producer,
        "data": entry_data(envelope.payload),
    }


def entry_data(payload: EventPayload) -> dict[str, Any]:
    """The payload minus what lives elsewhere (the record) or must not be kept (raw bytes)."""
    if isinstance(payload, ComplaintReceived):
        kept = {"complaint_number": payload.complaint_number, "language": payload.language}
        return storable(kept)
    if isinstance(payload, SubmissionRejected):
        return storable(
            {
                "rejected_by": payload.rejected_by,
                "source_topic": payload.source_topic,
                "reason_codes": payload.reason_codes,
                "fields": [error.field for error in payload.field_errors],
                "detail": payload.detail,
            }
        )
    return storable(payload.model_dump(mode="python"))


def record_of(payload: ComplaintReceived) -> Document:
    """The complaint record (DOMAIN §1) as intake accepted it, with its number."""
    record: Document = storable(payload.submission.model_dump(mode="python"))
    record["number"] = payload.complaint_number
    if payload.language:
        record["detected_language"] = payload.language
    return record
