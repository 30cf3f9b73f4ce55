"""Rebuilding every complaint document from the event log, with the projection of the live path."""

from dataclasses import dataclass, field
from typing import Any

from complaint_events import Envelope

from ..domain import Document, fold, retention_of
from .context import Archive
from .event_log import envelope_of


@dataclass
class Rebuilt:
    documents: int = 0
    different: list[str] = field(default_factory=list)
    without_events: list[str] = field(default_factory=list)
    rebuilt_ids: set[str] = field(default_factory=set, repr=False)


async def rebuild(archive: Archive, *, write: bool, batch: int = 500) -> Rebuilt:
    """Every document folded again from the event log, compared with the live one; with
    `write`, the live documents are replaced (run it while no consumer writes)."""
    report, pending = Rebuilt(), []
    current: str | None = None
    events: list[Envelope[Any]] = []
    async for entry in archive.store.log_by_complaint():
        if entry["complaint_id"] != current and events:
            pending.append(_refolded(archive, events))
            events = []
        current = entry["complaint_id"]
        events.append(envelope_of(entry))
        if len(pending) >= batch:
            await _settle(archive, pending, report, write=write)
            pending = []
    if events:
        pending.append(_refolded(archive, events))
    await _settle(archive, pending, report, write=write)
    report.without_events = sorted(await archive.store.complaint_ids() - report.rebuilt_ids)
    return report


def _refolded(archive: Archive, events: list[Envelope[Any]]) -> Document:
    document = fold(events)
    assert document is not None  # events is never empty
    return {**document, **retention_of(document, archive.policies)}


async def _settle(
    archive: Archive, rebuilt: list[Document], report: Rebuilt, *, write: bool
) -> None:
    live = await archive.store.documents(doc["_id"] for doc in rebuilt)
    for document in rebuilt:
        if _content(live.get(document["_id"])) != document:
            report.different.append(document["_id"])
    report.documents += len(rebuilt)
    report.rebuilt_ids.update(doc["_id"] for doc in rebuilt)
    if write and (conflicts := await archive.store.save(rebuilt, read=live)):
        raise RuntimeError(
            f"{len(conflicts)} documents changed during the rebuild: stop the consumers"
        )


def _content(document: Document | None) -> Document | None:
    """A document without its revision, which only tells writes apart."""
    if document is None:
        return None
    return {name: value for name, value in document.items() if name != "revision"}
