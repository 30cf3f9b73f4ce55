"""Archiving consumed events: the log once per event, the document folded again."""

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from complaint_events import Envelope, RetentionPurged

from ..domain import PURGED, Document, apply_all, retention_of
from .context import Archive
from .delivered import Delivered
from .event_log import log_entry

MAX_CONFLICT_ROUNDS = 5


@dataclass
class Archived:
    new: int = 0
    duplicates: int = 0
    documents: int = 0
    purged: list[str] = field(default_factory=list)


async def archive_events(archive: Archive, delivered: Sequence[Delivered]) -> Archived:
    """Append each event to the log once and fold it into its complaint's document.

    Redelivered events are folded again (a no-op when the document has them), so a crash
    between the log and the document write is repaired by the redelivery.
    """
    by_complaint: dict[str, list[Envelope[Any]]] = defaultdict(list)
    for item in delivered:
        if item.envelope.complaint_id is not None:
            by_complaint[item.envelope.complaint_id].append(item.envelope)
    documents = await archive.store.documents(by_complaint)
    purged_before = {cid for cid, doc in documents.items() if doc["status"] == PURGED}
    loggable = [d for d in delivered if d.envelope.complaint_id not in purged_before]
    result = await _append(archive, loggable)
    changed, final = await _fold_and_save(archive, documents, by_complaint)
    result.documents = len(changed)
    for complaint_id, events in by_complaint.items():
        document = final.get(complaint_id)
        carried_purge = any(event.event_type == RetentionPurged.event_type for event in events)
        if carried_purge and document is not None and document["status"] == PURGED:
            await _forget(archive, document)
            result.purged.append(complaint_id)
    return result


class ConcurrentWriters(RuntimeError):
    """Another process kept writing the same documents; the batch is consumed again."""


async def _fold_and_save(
    archive: Archive, documents: dict[str, Document], events: dict[str, list[Envelope[Any]]]
) -> tuple[dict[str, Document], dict[str, Document]]:
    """The changed documents and every document as it ends up. A document somebody else
    wrote since it was read is read again and folded again (the fold is idempotent)."""
    final = dict(documents)
    changed = pending = _folded(archive, documents, events)
    for _ in range(MAX_CONFLICT_ROUNDS):
        started = time.perf_counter()
        conflicts = await archive.store.save(list(pending.values()), read=final)
        archive.metrics.write_seconds.labels("documents").observe(time.perf_counter() - started)
        final.update({cid: doc for cid, doc in pending.items() if cid not in conflicts})
        if not conflicts:
            return changed, final
        fresh = await archive.store.documents(conflicts)
        final.update(fresh)
        pending = _folded(archive, fresh, {cid: events[cid] for cid in conflicts})
        changed = {**changed, **pending}
    raise ConcurrentWriters(f"{len(conflicts)} documents kept changing while being written")


async def _append(archive: Archive, delivered: Sequence[Delivered]) -> Archived:
    started = time.perf_counter()
    entries = [log_entry(item, archive.clock()) for item in delivered]
    new_ids = await archive.store.append(entries)
    archive.metrics.write_seconds.labels("event_log").observe(time.perf_counter() - started)
    result = Archived()
    for item in delivered:
        is_new = item.envelope.event_id in new_ids
        counter = archive.metrics.archived if is_new else archive.metrics.duplicates
        counter.labels(item.envelope.event_type).inc()
        result.new += is_new
        result.duplicates += not is_new
    return result


def _folded(
    archive: Archive, documents: dict[str, Document], events: dict[str, list[Envelope[Any]]]
) -> dict[str, Document]:
    changed: dict[str, Document] = {}
    for complaint_id, arrived in events.items():
        before = documents.get(complaint_id)
        document = apply_all(before, arrived)
        if document is not None and document is not before:
            changed[complaint_id] = {**document, **retention_of(document, archive.policies)}
            if before is not None and before["status"] != PURGED:
                _count_purge_outcome(archive, before, document)
    return changed


def _count_purge_outcome(archive: Archive, before: Document, after: Document) -> None:
    if after["status"] == PURGED:
        archive.metrics.purges.labels("executed").inc()
    elif len(after.get("purge_refused", [])) > len(before.get("purge_refused", [])):
        archive.metrics.purges.labels("refused").inc()


async def _forget(archive: Archive, tombstone: Document) -> None:
    """Remove what a purge covers: every event but the purge, and the attachments."""
    started = time.perf_counter()
    complaint_id, keep = tombstone["_id"], tombstone["purge"]["event_id"]
    await archive.store.forget_events(complaint_id, keep=keep, now=archive.clock())
    await archive.files.delete_for(complaint_id)
    archive.metrics.write_seconds.labels("purge").observe(time.perf_counter() - started)
