"""Repeat and cluster counters as insert-only membership documents.

Updates are not isolated on every MongoDB-protocol server (FerretDB loses concurrent `$inc`s),
but a unique index is: each (counter key, member) is inserted once, whoever races, and a
counter's value is the number of its members. The member is the complaint, or the opaque
complainant digest when a cluster counts people, so a replay or the same person again adds
nothing.
"""

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ..domain import ClusterKey
from .indexes import MEMBERS


class MongoCounters:
    def __init__(
        self, database: AsyncDatabase[Any], *, grace: timedelta, clock: Callable[[], datetime]
    ) -> None:
        self.members = database[MEMBERS]
        self.grace, self.clock = grace, clock

    async def add(self, key: ClusterKey, *, complaint_id: str) -> int:
        member = key.member or complaint_id
        # DuplicateKeyError: counted already (a replay, or the same complainant again)
        with contextlib.suppress(DuplicateKeyError):
            await self.members.insert_one(
                {
                    "key": key.key,
                    "member": member,
                    "cluster_id": key.cluster_id,
                    "complaint_id": complaint_id,
                    "window_end": key.window_end,
                    "expire_at": key.window_end + self.grace,
                    "added_at": self.clock(),
                }
            )
        return await self.members.count_documents({"key": key.key})

    async def purge(self, now: datetime) -> int:
        """Deletes memberships of windows that ended (grace included) before `now`."""
        result = await self.members.delete_many({"expire_at": {"$lt": now}})
        return result.deleted_count
