"""The classifier's collections and their indexes; MongoDB's TTL index expires counters."""

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

COMPLAINTS = "complaints"  # _id = complaint id: the classification as it stands
OUTCOMES = "outcomes"  # _id = "<complaint id>/<consumed event id>": what handling it produced
SIGHTINGS = "cluster_sightings"  # one document per (problem, complaint)


async def prepare(database: AsyncDatabase[Any]) -> None:
    await database[SIGHTINGS].create_indexes(
        [
            IndexModel([("problem", ASCENDING), ("received_us", ASCENDING)], name="window"),
            IndexModel([("expire_at", ASCENDING)], name="expire_at_ttl", expireAfterSeconds=0),
        ]
    )
    await database[OUTCOMES].create_indexes(
        [IndexModel([("complaint_id", ASCENDING)], name="complaint")]
    )
