"""The classifier's collections, their indexes, and whether the server has TTL indexes.

FerretDB has no TTL index; `prepare` finds out once at start-up, so a real mongod expires
counter memberships itself and elsewhere the service's purge round deletes them.
"""

import logging
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

log = logging.getLogger("complaints.classifier.indexes")

COMPLAINTS = "complaints"  # _id = complaint id: the classification as it stands
OUTCOMES = "outcomes"  # _id = "<complaint id>/<consumed event id>": what handling it produced
MEMBERS = "counter_members"  # one document per (counter key, complaint or complainant)


@dataclass(frozen=True)
class Capabilities:
    ttl: bool


async def prepare(database: AsyncDatabase[Any]) -> Capabilities:
    await _ensure(
        database,
        MEMBERS,
        IndexModel([("key", ASCENDING), ("member", ASCENDING)], name="key_member", unique=True),
    )
    await _ensure(database, OUTCOMES, IndexModel([("complaint_id", ASCENDING)], name="complaint"))
    ttl = IndexModel([("expire_at", ASCENDING)], name="expire_at_ttl", expireAfterSeconds=0)
    try:
        await _ensure(database, MEMBERS, ttl)
    except OperationFailure as error:
        log.info("no TTL index: the purge round expires counters", extra={"code": error.code})
        await _ensure(database, MEMBERS, IndexModel([("expire_at", ASCENDING)], name="expire_at"))
        return Capabilities(ttl=False)
    return Capabilities(ttl=True)


async def _ensure(database: AsyncDatabase[Any], collection: str, index: IndexModel) -> None:
    """One index at a time: FerretDB drops the connection when one createIndexes names
    several that already exist."""
    existing = await database[collection].index_information()
    if index.document["name"] not in existing:
        await database[collection].create_indexes([index])
