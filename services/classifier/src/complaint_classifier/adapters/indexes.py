"""The classifier's collections and their indexes; MongoDB's TTL index expires counters."""

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

COMPLAINTS = "complaints"  # _id = complaint id: the classification as it stands
OUTCOMES = "outcomes"  # _id = "<complaint id>/<consumed event id>": what handling it produced
MEMBERS = "counter_members"  # one document per (counter key, complaint or complainant)


async def prepare(database: AsyncDatabase[Any]) -> None:
    await database[MEMBERS].create_indexes(
        [
            IndexModel([("key", ASCENDING), ("member", ASCENDING)], name="key_member", unique=True),
            IndexModel([("expire_at", ASCENDING)], name="expire_at_ttl", expireAfterSeconds=0),
        ]
    )
    await database[OUTCOMES].create_indexes(
        [IndexModel([("complaint_id", ASCENDING)], name="complaint")]
    )
