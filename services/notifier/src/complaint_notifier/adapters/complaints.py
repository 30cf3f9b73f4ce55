"""The notifier's record of each complaint, one document per complaint.

One consumer owns a complaint's partition of every input topic, so each document has a
single writer and a whole-document replace is safe (no concurrent update to lose).
"""

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from ..service_layer.complaint_record import ComplaintRecord
from .documents import record_from_doc, record_to_doc

COMPLAINTS = "complaints"


class MongoComplaints:
    def __init__(self, database: AsyncDatabase[Any]) -> None:
        self.collection = database[COMPLAINTS]

    async def load(self, complaint_id: str) -> ComplaintRecord | None:
        doc = await self.collection.find_one({"_id": complaint_id})
        return record_from_doc(doc) if doc is not None else None

    async def load_many(self, complaint_ids: Iterable[str]) -> dict[str, ComplaintRecord]:
        found = self.collection.find({"_id": {"$in": sorted(set(complaint_ids))}})
        return {doc["_id"]: record_from_doc(doc) async for doc in found}

    async def save(self, record: ComplaintRecord) -> None:
        doc = record_to_doc(record)
        await self.collection.replace_one({"_id": record.complaint_id}, doc, upsert=True)

    async def save_many(self, records: Sequence[ComplaintRecord]) -> None:
        writes = [
            ReplaceOne({"_id": record.complaint_id}, record_to_doc(record), upsert=True)
            for record in records
        ]
        if writes:
            await self.collection.bulk_write(writes, ordered=False)
