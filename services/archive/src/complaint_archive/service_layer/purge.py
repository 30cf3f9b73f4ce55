"""Retention purges: recorded as an event first, carried out by the consumer of that event."""

from complaint_events import RetentionPurged, new_event

from ..domain import purgeable
from .context import PRODUCER, Archive


async def request_purges(archive: Archive, *, limit: int) -> int:
    """Record `RetentionPurged` for every expired complaint not under legal hold.

    Only the event is published here; the consumer of the archive topic removes the data, so
    the documents keep a single writer and the purge is recorded before anything is deleted.
    """
    now = archive.clock()
    requested = 0
    for document in await archive.store.expired(now, limit):
        if not purgeable(document, now):
            continue
        payload = RetentionPurged(
            complaint_number=document["number"],
            retain_until=document["retain_until"],
            purged_at=now,
            events_removed=await archive.store.count_events(document["_id"]),
        )
        event = new_event(payload, producer=PRODUCER, complaint_id=document["_id"])
        await archive.publisher.publish(event)
        archive.metrics.purges.labels("requested").inc()
        requested += 1
    return requested
