"""Repeat and cluster counts over rolling windows, from sightings.

One sighting per (problem, complaint), its `_id` made of both, so a replay or a redelivery
inserts nothing new whoever races. A count is the number of distinct complaints (or
complainants, for a cluster that counts people) of the problem received within the window
that ends at the complaint's receipt: read from the `(problem, received_us)` index, the time
in whole microseconds so that the window's edges are exact. A TTL index removes a sighting
once no later window can reach it (plus a grace for late complaints). A batch's sightings
are inserted together and read back in one query.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from complaint_runtime import insert_new

from ..domain import ClusterKey, Sighting, count_within, sighting
from .indexes import SIGHTINGS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MongoCounters:
    def __init__(
        self, database: AsyncDatabase[Any], *, grace: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self.sightings = database[SIGHTINGS]
        self.grace, self.clock = grace, clock

    async def add_all(
        self, additions: Sequence[tuple[str, Sequence[ClusterKey]]]
    ) -> list[dict[ClusterKey, int]]:
        owners = [(index, key) for index, (_, keys) in enumerate(additions) for key in keys]
        counts: list[dict[ClusterKey, int]] = [{} for _ in additions]
        if not owners:
            return counts
        await insert_new(
            self.sightings, [self._document(key, additions[index][0]) for index, key in owners]
        )
        seen = await self._within([key for _, key in owners])
        for index, key in owners:
            counts[index][key] = count_within(key, seen[key.problem])
        return counts

    def _document(self, key: ClusterKey, complaint_id: str) -> dict[str, Any]:
        seen = sighting(key, complaint_id)
        return {
            "_id": f"{seen.problem}|{complaint_id}",
            "problem": seen.problem,
            "complaint_id": complaint_id,
            "counted": seen.counted,
            "received_us": _micros(seen.received_at),
            "cluster_id": key.cluster_id,
            "expire_at": key.expires_at + self.grace,
            "added_at": self.clock(),
        }

    async def _within(self, keys: Sequence[ClusterKey]) -> dict[str, list[Sighting]]:
        """The sightings of these problems received within any of their windows."""
        query = {
            "problem": {"$in": sorted({key.problem for key in keys})},
            "received_us": {
                "$gte": min(_micros(key.since) for key in keys),
                "$lte": max(_micros(key.until) for key in keys),
            },
        }
        found: dict[str, list[Sighting]] = defaultdict(list)
        projection = {"problem": 1, "complaint_id": 1, "counted": 1, "received_us": 1}
        async for doc in self.sightings.find(query, projection):
            at = EPOCH + timedelta(microseconds=doc["received_us"])
            found[doc["problem"]].append(
                Sighting(doc["problem"], doc["complaint_id"], doc["counted"], at)
            )
        return found


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)
