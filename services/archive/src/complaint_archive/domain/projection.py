"""The projection: any event folded into its complaint's document, in any order.

`apply(document, envelope)` inserts the event into the document's timeline (kept in the total
order of `event_key`, duplicates ignored) and renders the document again from that timeline.
So the result depends only on the set of events seen: redelivery changes nothing, and events
arriving out of order give the document that all of them known at once give (`fold`).

The one exception is the purge, which is final: once carried out, the tombstone ignores every
later delivery (another purge, a hold dated before it), since what it removed is gone.
"""

from bisect import insort
from collections.abc import Iterable, Sequence
from typing import Any

from complaint_events import ComplaintReceived, Envelope, RetentionPurged

from .entries import Document, Entry, entry_for, record_of
from .render import render
from .status import PURGED


class NotAComplaintEvent(ValueError):
    """The event names no complaint (a raw submission, a dead letter of one)."""


def apply(document: Document | None, envelope: Envelope[Any]) -> Document:
    """The document after this event; the given document is left unchanged."""
    return apply_all(document, [envelope])


def apply_all(document: Document | None, envelopes: Sequence[Envelope[Any]]) -> Document:
    """The document after these events of one complaint, rendered once."""
    if not envelopes:
        raise ValueError("no events to apply")
    if len(envelopes) > 1 and any(isinstance(e.payload, RetentionPurged) for e in envelopes):
        # A purge is final from the moment it is applied: one by one keeps that moment where
        # it would be without batching (purges are rare, so the extra renders cost nothing).
        for envelope in envelopes:
            document = _render_with(document, [envelope])
        assert document is not None
        return document
    return _render_with(document, envelopes)


def _render_with(document: Document | None, envelopes: Sequence[Envelope[Any]]) -> Document:
    complaint_id = _complaint_id(envelopes[0])
    if document is not None and document["status"] == PURGED:
        return document  # a purge is final: later events (another purge too) change nothing
    timeline: list[Entry] = list(document["timeline"]) if document else []
    seen = {entry["event_id"] for entry in timeline}
    record = document.get("record") if document else None
    record_key = document.get("record_key") if document else None
    for envelope in envelopes:
        if _complaint_id(envelope) != complaint_id:
            raise ValueError(f"{envelope.event_id} is not an event of {complaint_id}")
        entry = entry_for(envelope)
        if entry["event_id"] in seen:
            continue
        seen.add(entry["event_id"])
        insort(timeline, entry, key=lambda item: item["key"])
        if isinstance(envelope.payload, ComplaintReceived) and (
            record_key is None or entry["key"] < record_key
        ):
            record, record_key = record_of(envelope.payload), entry["key"]
    if document is not None and len(timeline) == len(document["timeline"]):
        return document  # every event was there already
    return render(complaint_id, record, record_key, timeline)


def fold(envelopes: Iterable[Envelope[Any]]) -> Document | None:
    """The document of one complaint's events, all known at once (what a rebuild makes).

    Equal to applying them one by one in any order, with one exception that cannot be helped:
    a purge carried out before a later-dated hold or purge was seen.
    """
    events = list(envelopes)
    return _render_with(None, events) if events else None


def _complaint_id(envelope: Envelope[Any]) -> str:
    if envelope.complaint_id is None:
        raise NotAComplaintEvent(f"{envelope.event_type} {envelope.event_id} names no complaint")
    return str(envelope.complaint_id)
