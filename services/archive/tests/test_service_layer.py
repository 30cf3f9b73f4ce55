"""The archive's use cases on in-memory fakes of their ports: no MongoDB, no Kafka. The fakes
implement `service_layer.ports` structurally, as the MongoDB adapters do."""

import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from complaint_archive.domain import Document, Position, SearchFilters
from complaint_archive.domain.attachments import AttachmentLimits
from complaint_archive.metrics import ArchiveMetrics
from complaint_archive.service_layer import (
    Archive,
    Delivered,
    Files,
    Queries,
    Store,
    StoredFile,
    archive_events,
    rebuild,
    store_attachment,
)
from complaint_events import AttachmentStored

from .builders import full_story
from .support import POLICIES, Clock, MemoryPublisher

pytestmark = pytest.mark.unit


@dataclass
class MemoryStore:
    """The event log and the documents as dictionaries; a write checks the revision it read."""

    log: dict[str, Document] = field(default_factory=dict)
    complaints: dict[str, Document] = field(default_factory=dict)

    async def append(self, entries: Sequence[Document]) -> set[str]:
        new = {entry["_id"] for entry in entries if entry["_id"] not in self.log}
        for entry in entries:
            self.log.setdefault(entry["_id"], entry)
        return new

    async def documents(
        self, complaint_ids: Iterable[str], projection: Mapping[str, int] | None = None
    ) -> dict[str, Document]:
        return {cid: dict(self.complaints[cid]) for cid in complaint_ids if cid in self.complaints}

    async def save(self, documents: Sequence[Document], read: Mapping[str, Document]) -> set[str]:
        conflicts = set()
        for document in documents:
            stored, seen = self.complaints.get(document["_id"]), read.get(document["_id"])
            if (stored is None) != (seen is None) or (
                stored is not None and seen is not None and stored["revision"] != seen["revision"]
            ):
                conflicts.add(document["_id"])
            else:
                self.complaints[document["_id"]] = {**document, "revision": uuid.uuid4().hex}
        return conflicts

    async def forget_events(self, complaint_id: str, *, keep: str, now: datetime) -> None:
        for event_id, entry in list(self.log.items()):
            if entry["complaint_id"] == complaint_id and event_id != keep:
                del self.log[event_id]

    async def count_events(self, complaint_id: str) -> int:
        return sum(entry["complaint_id"] == complaint_id for entry in self.log.values())

    async def log_by_complaint(self) -> AsyncIterator[Document]:
        linked = [entry for entry in self.log.values() if entry["complaint_id"] is not None]
        for entry in sorted(linked, key=lambda entry: (entry["complaint_id"], entry["key"])):
            yield entry

    async def complaint_ids(self) -> set[str]:
        return set(self.complaints)

    async def expired(self, now: datetime, limit: int) -> list[Document]:
        return []

    async def document_count(self) -> int:
        return len(self.complaints)

    async def ping(self) -> None:
        return None


@dataclass
class MemoryQueries:
    store: MemoryStore

    async def by_id(self, complaint_id: str) -> Document | None:
        return self.store.complaints.get(complaint_id)

    async def by_number(self, number: str) -> Document | None:
        found = (doc for doc in self.store.complaints.values() if doc.get("number") == number)
        return next(found, None)

    async def search(
        self, filters: SearchFilters, *, now: datetime, after: Position | None, limit: int
    ) -> list[Document]:
        return list(self.store.complaints.values())[:limit]

    async def counts(
        self, match: dict[str, Any], keys: dict[str, str], unwind: str | None = None
    ) -> list[dict[str, Any]]:
        return []

    async def received_in(
        self,
        start: datetime,
        end: datetime,
        policy_id: str | None,
        limit: int,
        source_systems: tuple[str, ...] | None = None,
    ) -> AsyncIterator[Document]:
        for document in list(self.store.complaints.values())[:limit]:
            yield document


@dataclass
class MemoryFiles:
    files: dict[str, tuple[StoredFile, bytes]] = field(default_factory=dict)

    async def store(self, file: StoredFile, data: bytes) -> None:
        self.files[file.attachment_id] = (file, data)

    async def find(self, complaint_id: str, attachment_id: str) -> StoredFile | None:
        file, _ = self.files.get(attachment_id, (None, b""))
        return file if file is not None and file.complaint_id == complaint_id else None

    async def chunks(self, attachment_id: str) -> AsyncIterator[bytes]:
        yield self.files[attachment_id][1]

    async def delete_for(self, complaint_id: str) -> int:
        ids = [key for key, (file, _) in self.files.items() if file.complaint_id == complaint_id]
        for key in ids:
            del self.files[key]
        return len(ids)


def in_memory() -> tuple[Archive, MemoryStore, MemoryFiles, MemoryPublisher]:
    store, files, publisher = MemoryStore(), MemoryFiles(), MemoryPublisher()
    ports: tuple[Store, Queries, Files] = (store, MemoryQueries(store), files)
    archive = Archive(
        store=ports[0],
        queries=ports[1],
        files=ports[2],
        publisher=publisher,
        policies=POLICIES,
        metrics=ArchiveMetrics(CollectorRegistry()),
        clock=Clock(),
    )
    return archive, store, files, publisher


async def test_events_are_logged_once_and_folded_into_the_document_without_a_database():
    archive, store, _, _ = in_memory()
    story = full_story()
    half = len(story.events) // 2

    first = await archive_events(archive, [Delivered(event) for event in story.events[:half]])
    again = await archive_events(archive, [Delivered(event) for event in story.events])

    assert (first.new, first.duplicates, first.documents) == (half, 0, 1)
    assert (again.new, again.duplicates) == (len(story.events) - half, half)
    assert set(store.log) == {event.event_id for event in story.events}
    document = store.complaints[story.complaint_id]
    assert document["number"] == story.number and document["status"] == "closed"
    assert await archive.store.count_events(story.complaint_id) == len(story.events)


async def test_a_rebuild_from_the_log_finds_every_document_as_it_is():
    archive, *_ = in_memory()
    stories = [full_story(), full_story()]
    events = [event for story in stories for event in story.events]
    await archive_events(archive, [Delivered(event) for event in events])

    report = await rebuild(archive, write=False)

    assert report.documents == 2 and report.different == [] and report.without_events == []


async def test_an_attachment_is_stored_and_recorded_as_an_event():
    archive, _, files, publisher = in_memory()
    limits = AttachmentLimits(max_bytes=1024, types=frozenset({"application/pdf"}))

    stored = await store_attachment(
        archive,
        complaint_id="c-1",
        filename="report.pdf",
        content_type="application/pdf",
        data=b"%PDF-1.7 report",
        limits=limits,
    )

    assert isinstance(stored, AttachmentStored)
    assert await archive.files.find("c-1", stored.attachment_id) is not None
    assert [event.payload for event in publisher.published] == [stored]
    assert [event.complaint_id for event in publisher.published] == ["c-1"]
    assert len(files.files) == 1
