"""Repeat and cluster counters as membership documents.

A counter counts distinct members, not events: each (counter key, member) is inserted once
under a unique index, whoever races, and a counter's value is the number of its members. The
member is the complaint, or the opaque complainant digest when a cluster counts people, so a
replay or the same person again adds nothing. A batch's memberships are inserted together
and its counters read in one query.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from complaint_runtime import insert_new

from ..domain import ClusterKey
from .indexes import MEMBERS


class MongoCounters:
    def __init__(
        self, database: AsyncDatabase[Any], *, grace: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self.members = database[MEMBERS]
        self.grace, self.clock = grace, clock

    async def add_all(
        self, additions: Sequence[tuple[str, Sequence[ClusterKey]]]
    ) -> list[dict[ClusterKey, int]]:
        owners = [(index, key) for index, (_, keys) in enumerate(additions) for key in keys]
        counts: list[dict[ClusterKey, int]] = [{} for _ in additions]
        if not owners:
            return counts
        documents = [self._membership(key, additions[index][0]) for index, key in owners]
        existing = await insert_new(self.members, documents)
        totals = await self._totals({key.key for _, key in owners})
        later: Counter[str] = Counter()  # members this call added after the one at hand
        for position in reversed(range(len(owners))):
            index, key = owners[position]
            counts[index][key] = max(1, totals[key.key] - later[key.key])
            later[key.key] += int(position not in existing)
        return counts

    def _membership(self, key: ClusterKey, complaint_id: str) -> dict[str, Any]:
        return {
            "key": key.key,
            "member": key.member or complaint_id,
            "cluster_id": key.cluster_id,
            "complaint_id": complaint_id,
            "window_end": key.window_end,
            "expire_at": key.window_end + self.grace,
            "added_at": self.clock(),
        }

    async def _totals(self, keys: Iterable[str]) -> Counter[str]:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"key": {"$in": sorted(keys)}}},
            {"$group": {"_id": "$key", "members": {"$sum": 1}}},
        ]
        found = await self.members.aggregate(pipeline)
        return Counter({row["_id"]: row["members"] async for row in found})
