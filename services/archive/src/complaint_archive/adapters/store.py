"""MongoDB writes of the archive: the event log and the complaint documents.

One consumer owns a complaint (its events share a partition number on every topic and the
subscriber uses the range assignor), so documents have a single writer and need no
transactions or compare-and-set, which the test server (FerretDB) does not make atomic.
"""

import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from complaint_events import Envelope, SubmissionRejected, envelope_type, payload_type
from complaint_runtime import find_by_ids

from ..domain import Document, at_millis, event_key
from .indexes import Capabilities

DUPLICATE_KEY = 11000
HEADERS = "original_headers"


# FerretDB 1.24 (SQLite) never answers an update command of 100 statements or more: each keeps
# a connection of the database's pool of 100 until the command ends, and the next one waits for
# a free connection forever (found by deploy/local/faults.py; 99 return in under a second).
REPLACE_CHUNK = 50


@dataclass(frozen=True)
class Delivered:
    """An event and where it was read (None for events the archive made itself)."""

    envelope: Envelope[Any]
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    record: Any = field(default=None, repr=False, compare=False)  # the consumed Kafka record


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
        "envelope": _without_nested_arrays(event.model_dump(mode="json")),
    }


def envelope_of(entry: Document) -> Envelope[Any]:
    model = envelope_type(payload_type(entry["event_type"]))
    return model.model_validate(_with_header_pairs(entry["envelope"]))


def _without_nested_arrays(envelope: Document) -> Document:
    """A dead letter's headers as `{name, value}` objects, not `[name, value]` pairs: FerretDB
    (the test server) stores no array inside an array, and refused every such dead letter."""
    headers = envelope["payload"].get(HEADERS)
    if envelope["event_type"] != SubmissionRejected.event_type or not headers:
        return envelope
    pairs = [{"name": name, "value": value} for name, value in headers]
    return {**envelope, "payload": {**envelope["payload"], HEADERS: pairs}}


def _with_header_pairs(envelope: Document) -> Document:
    headers = envelope["payload"].get(HEADERS)
    if envelope["event_type"] != SubmissionRejected.event_type or not headers:
        return envelope
    pairs = [(h["name"], h["value"]) if isinstance(h, dict) else h for h in headers]
    return {**envelope, "payload": {**envelope["payload"], HEADERS: pairs}}


class ArchiveStore:
    def __init__(
        self,
        database: AsyncDatabase[Any],
        capabilities: Capabilities,
        *,
        unlinked_retention: timedelta | None = None,
    ) -> None:
        """`unlinked_retention`: how long events of no complaint (raw submissions and their
        dead letters, which carry personal data no complaint's retention covers) are kept."""
        self.events = database["events"]
        self.complaints = database["complaints"]
        self.capabilities = capabilities
        self.unlinked_retention = unlinked_retention

    async def append(self, entries: Sequence[Document]) -> set[str]:
        """Insert into the log; returns the ids that were new (the others were archived before)."""
        if not entries:
            return set()
        if self.unlinked_retention is not None:
            entries = [self._with_expiry(entry) for entry in entries]
        ids = {entry["_id"] for entry in entries}
        try:
            await self.events.insert_many(list(entries), ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(item["code"] != DUPLICATE_KEY for item in errors):
                raise
            return ids - {entries[item["index"]]["_id"] for item in errors}
        return ids

    def _with_expiry(self, entry: Document) -> Document:
        if entry["complaint_id"] is not None or self.unlinked_retention is None:
            return entry
        return {**entry, "expire_at": entry["archived_at"] + self.unlinked_retention}

    async def delete_expired(self, now: datetime) -> int:
        """Log entries past their `expire_at`, where no TTL index removes them."""
        if self.capabilities.ttl:
            return 0
        result = await self.events.delete_many({"expire_at": {"$lte": now}})
        return result.deleted_count

    async def documents(self, complaint_ids: Iterable[str]) -> dict[str, Document]:
        return await find_by_ids(self.complaints, complaint_ids)

    async def save(self, documents: Sequence[Document], read: Mapping[str, Document]) -> set[str]:
        """Write each document unless somebody else wrote it since it was `read` (as a
        consumer that lost its partition might); returns the ids where somebody had, which
        the caller reads and folds again. Every write stamps a new random `revision`."""
        stamped = [{**doc, "revision": uuid.uuid4().hex} for doc in documents]
        new = [doc for doc in stamped if doc["_id"] not in read]
        replaced = [doc for doc in stamped if doc["_id"] in read]
        return await self._replace(replaced, read) | await self._insert(new)

    async def _replace(self, documents: list[Document], read: Mapping[str, Document]) -> set[str]:
        if not documents:
            return set()
        if self.capabilities.conditional_writes:
            writes = [
                ReplaceOne({"_id": doc["_id"], "revision": read[doc["_id"]].get("revision")}, doc)
                for doc in documents
            ]
            if await self._bulk(writes) == len(writes):
                return set()
        else:
            # Filtered on `_id` alone, the one filter FerretDB looks up by index; the revision
            # is checked just before, which is all its conditional update would do anyway.
            ids = [doc["_id"] for doc in documents]
            stored = await find_by_ids(self.complaints, ids, {"revision": 1})
            unchanged = [
                doc
                for doc in documents
                if doc["_id"] in stored
                and stored[doc["_id"]].get("revision") == read[doc["_id"]].get("revision")
            ]
            await self._bulk([ReplaceOne({"_id": doc["_id"]}, doc) for doc in unchanged])
            return set(ids) - {doc["_id"] for doc in unchanged}
        ours = {doc["_id"]: doc["revision"] for doc in documents}
        after = await find_by_ids(self.complaints, ours, {"revision": 1})
        return {cid for cid, mine in ours.items() if after.get(cid, {}).get("revision") != mine}

    async def _bulk(self, writes: list[ReplaceOne[Document]]) -> int:
        """The writes in commands of at most REPLACE_CHUNK; how many matched."""
        matched = 0
        for start in range(0, len(writes), REPLACE_CHUNK):
            chunk = writes[start : start + REPLACE_CHUNK]
            matched += (await self.complaints.bulk_write(chunk, ordered=False)).matched_count
        return matched

    async def _insert(self, documents: list[Document]) -> set[str]:
        if not documents:
            return set()
        try:
            await self.complaints.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(item["code"] != DUPLICATE_KEY for item in errors):
                raise
            return {documents[item["index"]]["_id"] for item in errors}
        return set()

    async def forget_events(self, complaint_id: str, *, keep: str, now: datetime) -> None:
        """Remove a purged complaint's events but the purge itself: marked for the TTL index
        where the server has one, deleted here where it has not."""
        others = {"complaint_id": complaint_id, "_id": {"$ne": keep}}
        if self.capabilities.ttl:
            await self.events.update_many(others, {"$set": {"expire_at": now}})
        else:
            await self.events.delete_many(others)

    async def count_events(self, complaint_id: str) -> int:
        return await self.events.count_documents({"complaint_id": complaint_id})

    async def log_by_complaint(self) -> AsyncIterator[Document]:
        """The whole log, one complaint after another, each in its events' order."""
        query = {"complaint_id": {"$ne": None}, "expire_at": None}
        order = [("complaint_id", ASCENDING), ("key", ASCENDING)]
        async for entry in self.events.find(query, sort=order, batch_size=200):
            yield entry

    async def complaint_ids(self) -> set[str]:
        found = self.complaints.find({}, {"_id": 1}, batch_size=10_000)
        return {doc["_id"] async for doc in found}

    async def remove_documents(self, complaint_ids: Iterable[str]) -> None:
        wanted = sorted(set(complaint_ids))
        if wanted:
            await self.complaints.delete_many({"_id": {"$in": wanted}})

    async def expired(self, now: datetime, limit: int) -> list[Document]:
        """Ended complaints past their retain-until date and not under legal hold."""
        query = {"retain_until": {"$lte": now}, "legal_hold.active": False}
        projection = {"timeline": 0, "record": 0}
        found = self.complaints.find(
            query, projection, sort=[("retain_until", 1)], limit=limit, batch_size=200
        )
        return [document async for document in found]

    async def document_count(self) -> int:
        """From the collection's statistics (one row per shard on a sharded cluster): FerretDB
        answers `estimated_document_count` by reading every document (2.2 s for 10,000 of
        5 KB, every 30 s for the gauge), `$collStats` from its storage's page counts (54 ms)."""
        found = await self.complaints.aggregate([{"$collStats": {"count": {}}}])
        return sum([int(row.get("count", 0)) async for row in found])

    async def ping(self) -> None:
        await self.complaints.database.command("ping")
