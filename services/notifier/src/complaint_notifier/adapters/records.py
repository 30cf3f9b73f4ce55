"""Insert-only records that make sending happen once: claims, delivery outcomes, breaches.

Each is a document with a unique `_id`; an insert either creates it or fails as a duplicate,
atomically, on MongoDB and on servers without atomic updates (FerretDB) alike. Inserts also
cost the same however large the collection grows; lookups happen only after a crash.
"""

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ..service_layer.ports import EntryStatus, Outcome, ScheduledEntry
from .inserts import insert_new

CLAIMS = "notice_claims"
SENT = "notices_sent"
FAILED = "notices_failed"
BREACHES = "deadline_breaches"
MAX_TAKEOVERS = 20


class MongoClaims:
    """`{_id: "<notice id>#<attempt>"}`: attempt 1 is the first sender's; taking over from a
    sender whose lease ran out means inserting the next attempt, which only one can do."""

    def __init__(self, database: AsyncDatabase[Any], *, owner: str, lease: timedelta) -> None:
        self.collection, self.owner, self.lease = database[CLAIMS], owner, lease

    async def take(self, entries: Sequence[ScheduledEntry], now: datetime) -> dict[str, int]:
        """One insert for the round; a notice another sender took is looked at only when that
        sender may have died."""
        docs = [self._claim(entry.notice.notice_id, entry.attempt + 1, now) for entry in entries]
        taken = await insert_new(self.collection, docs)
        owned = {doc["notice_id"]: doc["attempt"] for doc in docs if doc["_id"] not in taken}
        for entry in entries:
            if entry.notice.notice_id not in owned and self._suspect(entry, now):
                attempt = await self._take_over(entry, now)
                if attempt is not None:
                    owned[entry.notice.notice_id] = attempt
        return owned

    def _suspect(self, entry: ScheduledEntry, now: datetime) -> bool:
        # A notice still pending a lease after its due may have a dead sender.
        return now - entry.notice.send_at > self.lease

    async def _take_over(self, entry: ScheduledEntry, now: datetime) -> int | None:
        """The first attempt that is free, if every one before it has run out of lease."""
        notice_id = entry.notice.notice_id
        attempt = max(1, entry.attempt)
        for _ in range(MAX_TAKEOVERS):
            held = await self.collection.find_one({"_id": f"{notice_id}#{attempt}"})
            if held is None:
                try:
                    await self.collection.insert_one(self._claim(notice_id, attempt, now))
                    return attempt
                except DuplicateKeyError:
                    return None  # another sender took this attempt just now
            if held["lease_until"] > now:
                return None
            attempt += 1
        return None

    def _claim(self, notice_id: str, attempt: int, now: datetime) -> dict[str, Any]:
        return {
            "_id": f"{notice_id}#{attempt}",
            "notice_id": notice_id,
            "attempt": attempt,
            "owner": self.owner,
            "claimed_at": now,
            "lease_until": now + self.lease,
        }


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
