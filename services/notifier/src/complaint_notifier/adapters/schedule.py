"""The durable schedule: one `schedule` collection, one entry per planned notice.

What is due is `{status: pending, send_at <= now}`, served by the `due` index whatever the
size of the schedule. A sender claims entries with an atomic update that only matches an
entry nobody holds a live lease on, so each attempt has one sender; a sender that died is
replaced once its lease ran out, by the next attempt. A finished entry gets `expire_at`, and
a TTL index removes it after the retention (its outcome stays in the delivery records).
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from complaint_runtime import insert_new

from ..domain import PlannedNotice
from ..service_layer.ports import EntryStatus, ScheduledEntry
from .documents import notice_from_doc, notice_to_doc

SCHEDULE = "schedule"
PENDING = EntryStatus.PENDING.value
INDEXES = [
    IndexModel([("status", ASCENDING), ("send_at", ASCENDING)], name="due"),
    IndexModel([("expire_at", ASCENDING)], name="finished_ttl", expireAfterSeconds=0),
]


class MongoSchedule:
    def __init__(self, database: AsyncDatabase[Any], *, retention: timedelta) -> None:
        self.entries, self.retention = database[SCHEDULE], retention
        self.indexed = False

    async def _indexes(self) -> None:
        """Created on first use, not at start-up: a database still away is retried there."""
        if not self.indexed:
            await self.entries.create_indexes(INDEXES)
            self.indexed = True

    async def add(self, notices: Sequence[PlannedNotice], now: datetime) -> None:
        await self._indexes()
        docs = [_entry_doc(notice) for notice in notices]
        present = [docs[index]["_id"] for index in await insert_new(self.entries, docs)]
        if present:  # planned again after a drop: pending once more
            await self.entries.update_many(
                {"_id": {"$in": present}, "status": EntryStatus.DROPPED.value},
                {"$set": {"status": PENDING}, "$unset": {"expire_at": ""}},
            )

    async def drop(self, notices: Mapping[str, datetime]) -> None:
        """Dropped entries expire like finished ones (planned again, they lose the expiry)."""
        if notices:
            expire_at = datetime.now(UTC) + self.retention
            await self.entries.update_many(
                {"_id": {"$in": sorted(notices)}, "status": PENDING},
                {"$set": {"status": EntryStatus.DROPPED.value, "expire_at": expire_at}},
            )

    async def due(self, now: datetime, limit: int) -> list[ScheduledEntry]:
        await self._indexes()
        query = {"status": PENDING, "send_at": {"$lte": now}}
        found = self.entries.find(query, sort=[("send_at", ASCENDING)], limit=limit)
        return [_entry(doc) async for doc in found]

    async def mark(
        self,
        entries: Sequence[ScheduledEntry],
        status: EntryStatus,
        *,
        attempt: int | None = None,
        now: datetime | None = None,
    ) -> None:
        fields: dict[str, Any] = {"status": status.value}
        if attempt is not None:
            fields["attempt"] = attempt
        if status is not EntryStatus.PENDING:
            fields["expire_at"] = (now or datetime.now(UTC)) + self.retention
        writes = [UpdateOne({"_id": entry.notice.notice_id}, {"$set": fields}) for entry in entries]
        if writes:
            await self.entries.bulk_write(writes, ordered=False)

    async def find(self, notice_id: str, send_at: datetime) -> ScheduledEntry | None:
        doc = await self.entries.find_one({"_id": notice_id})
        return _entry(doc) if doc is not None else None

    async def pending_count(self) -> int:
        return await self.entries.count_documents({"status": PENDING})


class MongoClaims:
    """A claim sets `owner` and `lease_until` and counts `attempt` up, on entries that are
    pending and not leased: MongoDB applies each document's update atomically, so two senders
    never both claim one attempt. Two commands a round, however many entries."""

    def __init__(self, database: AsyncDatabase[Any], *, owner: str, lease: timedelta) -> None:
        self.entries, self.owner, self.lease = database[SCHEDULE], owner, lease

    async def take(self, entries: Sequence[ScheduledEntry], now: datetime) -> dict[str, int]:
        if not entries:
            return {}
        token = uuid.uuid4().hex
        free = {"$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}]}
        ids = sorted({entry.notice.notice_id for entry in entries})
        await self.entries.update_many(
            {"_id": {"$in": ids}, "status": PENDING, **free},
            {
                "$set": {
                    "owner": self.owner,
                    "claim": token,
                    "claimed_at": now,
                    "lease_until": now + self.lease,
                },
                "$inc": {"attempt": 1},
            },
        )
        taken = self.entries.find({"_id": {"$in": ids}, "claim": token}, {"attempt": 1})
        return {doc["_id"]: doc["attempt"] async for doc in taken}


def _entry_doc(notice: PlannedNotice) -> dict[str, Any]:
    return {
        "_id": notice.notice_id,
        "complaint_id": notice.complaint_id,
        "send_at": notice.send_at,
        "status": PENDING,
        "attempt": 0,
        "lease_until": None,
        "notice": notice_to_doc(notice),
    }


def _entry(doc: dict[str, Any]) -> ScheduledEntry:
    return ScheduledEntry(
        notice=notice_from_doc(doc["notice"]),
        status=EntryStatus(doc["status"]),
        attempt=doc.get("attempt", 0),
    )
