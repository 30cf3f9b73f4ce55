"""MongoDB writes of the archive: the event log and the complaint documents.

One consumer owns a complaint (its events share a partition number on every topic and the
subscriber uses the range assignor), so documents have a single writer and need no
transactions; the revision-checked replace only guards the moments a partition moves.
"""

import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from complaint_runtime import insert_new

from ..domain import Document


class ArchiveStore:
    def __init__(
        self, database: AsyncDatabase[Any], *, unlinked_retention: timedelta | None = None
    ) -> None:
        """`unlinked_retention`: how long events of no complaint (raw submissions and their
        dead letters, which carry personal data no complaint's retention covers) are kept."""
        self.events = database["events"]
        self.complaints = database["complaints"]
        self.unlinked_retention = unlinked_retention

    async def append(self, entries: Sequence[Document]) -> set[str]:
        """Insert into the log; returns the ids that were new (the others were archived before)."""
        if self.unlinked_retention is not None:
            entries = [self._with_expiry(entry) for entry in entries]
        seen = {entries[index]["_id"] for index in await insert_new(self.events, entries)}
        return {entry["_id"] for entry in entries} - seen

    def _with_expiry(self, entry: Document) -> Document:
        if entry["complaint_id"] is not None or self.unlinked_retention is None:
            return entry
        return {**entry, "expire_at": entry["archived_at"] + self.unlinked_retention}

    async def documents(
        self, complaint_ids: Iterable[str], projection: Mapping[str, int] | None = None
    ) -> dict[str, Document]:
        wanted = sorted(set(complaint_ids))
        if not wanted:
            return {}
        found = self.complaints.find({"_id": {"$in": wanted}}, projection)
        return {document["_id"]: document async for document in found}

    async def save(self, documents: Sequence[Document], read: Mapping[str, Document]) -> set[str]:
        """Write each document unless somebody else wrote it since it was `read` (as a
        consumer that lost its partition might); returns the ids where somebody had, which
        the caller reads and folds again. Every write stamps a new random `revision`."""
        stamped = [{**doc, "revision": uuid.uuid4().hex} for doc in documents]
        new = [doc for doc in stamped if doc["_id"] not in read]
        replaced = [doc for doc in stamped if doc["_id"] in read]
        return await self._replace(replaced, read) | await self._insert(new)

    async def _replace(self, documents: list[Document], read: Mapping[str, Document]) -> set[str]:
        """Each replace matches only the revision that was read, in one bulk write."""
        if not documents:
            return set()
        writes = [
            ReplaceOne({"_id": doc["_id"], "revision": read[doc["_id"]].get("revision")}, doc)
            for doc in documents
        ]
        result = await self.complaints.bulk_write(writes, ordered=False)
        if result.matched_count == len(writes):
            return set()
        ours = {doc["_id"]: doc["revision"] for doc in documents}
        after = await self.documents(ours, {"revision": 1})
        return {cid for cid, mine in ours.items() if after.get(cid, {}).get("revision") != mine}

    async def _insert(self, documents: list[Document]) -> set[str]:
        """A document somebody else inserted meanwhile is a conflict like any other."""
        return {documents[index]["_id"] for index in await insert_new(self.complaints, documents)}

    async def forget_events(self, complaint_id: str, *, keep: str, now: datetime) -> None:
        """Mark a purged complaint's events but the purge itself for the TTL index to delete."""
        others = {"complaint_id": complaint_id, "_id": {"$ne": keep}}
        await self.events.update_many(others, {"$set": {"expire_at": now}})

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
        """From the collection's metadata, without reading the documents."""
        return await self.complaints.estimated_document_count()

    async def ping(self) -> None:
        await self.complaints.database.command("ping")
