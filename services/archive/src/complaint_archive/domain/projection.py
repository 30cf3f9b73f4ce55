"""The projection: any event folded into its complaint's document, in any order.

`apply(document, envelope)` inserts the event into the document's timeline (kept in the total
order of `event_key`, duplicates ignored) and renders the document again from that timeline.
So the result depends only on the set of events seen: redelivery changes nothing, and events
arriving out of order give the document their sorted fold gives (`fold`).
"""

from bisect import insort
from collections.abc import Iterable
from typing import Any

from complaint_events import ComplaintReceived, Envelope, RetentionPurged

from .entries import Document, Entry, entry_for, record_of
from .render import render
from .status import PURGED


class NotAComplaintEvent(ValueError):
    """The event names no complaint (a raw submission, a dead letter of one)."""


def apply(document: Document | None, envelope: Envelope[Any]) -> Document:
    """The document after this event; the given document is left unchanged."""
    complaint_id = _complaint_id(envelope)
    if document is not None and document["status"] == PURGED and not _is_purge(envelope):
        return document  # a purge is final: later events must not bring data back
    timeline: list[Entry] = list(document["timeline"]) if document else []
    entry = entry_for(envelope)
    if document is not None and any(seen["event_id"] == entry["event_id"] for seen in timeline):
        return document
    insort(timeline, entry, key=lambda item: item["key"])
    record = document.get("record") if document else None
    record_key = document.get("record_key") if document else None
    if isinstance(envelope.payload, ComplaintReceived) and (
        record_key is None or entry["key"] < record_key
    ):
        record, record_key = record_of(envelope.payload), entry["key"]
    return render(complaint_id, record, record_key, timeline)


def fold(envelopes: Iterable[Envelope[Any]]) -> Document | None:
    """The document of one complaint's events, applied in their total order."""
    document: Document | None = None
    for envelope in sorted(envelopes, key=lambda item: entry_for(item)["key"]):
        document = apply(document, envelope)
    return document


def _is_purge(envelope: Envelope[Any]) -> bool:
    """Of several purges the earliest counts, whichever arrives first."""
    return isinstance(envelope.payload, RetentionPurged)


def _complaint_id(envelope: Envelope[Any]) -> str:
    if envelope.complaint_id is None:
        raise NotAComplaintEvent(f"{envelope.event_type} {envelope.event_id} names no complaint")
    return str(envelope.complaint_id)
