"""Records that make sending happen once: delivery outcomes and breaches, each stored once.

Each is a document with a unique `_id` (the delivery and channel, the deadline): the first
insert stores it, a repeat meets the unique index and reads what was stored.
"""

import contextlib
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ..service_layer.ports import EntryStatus, Outcome

SENT = "notices_sent"
FAILED = "notices_failed"
BREACHES = "deadline_breaches"


class MongoDeliveryLog:
    """`notices_sent` / `notices_failed`, keyed by delivery and channel, with the event."""

    def __init__(self, database: AsyncDatabase[Any]) -> None:
        self.collections = {EntryStatus.SENT: database[SENT], EntryStatus.FAILED: database[FAILED]}

    async def record(self, key: str, outcome: Outcome, at: datetime) -> None:
        with contextlib.suppress(DuplicateKeyError):  # recorded by an earlier attempt
            await self.collections[outcome.status].insert_one(
                {"_id": key, "event": outcome.event, "at": at}
            )

    async def outcome(self, key: str) -> Outcome | None:
        for status, collection in self.collections.items():
            doc = await collection.find_one({"_id": key})
            if doc is not None:
                return Outcome(status, doc["event"])
        return None


class MongoBreaches:
    """`{_id: deadline_id}`: the DeadlineBreached event of each deadline, stored once."""

    def __init__(self, database: AsyncDatabase[Any]) -> None:
        self.collection = database[BREACHES]

    async def record(self, deadline_id: str, event: str, source: str) -> tuple[str, str, bool]:
        try:
            await self.collection.insert_one({"_id": deadline_id, "event": event, "source": source})
            return event, source, True
        except DuplicateKeyError:
            doc = await self.collection.find_one({"_id": deadline_id})
            assert doc is not None
            return doc["event"], doc["source"], False
