"""Indexes for every query path, and what the server can do (TTL and text indexes, atomic
conditional writes).

FerretDB lacks TTL and text indexes and does not make a conditional update atomic; `prepare`
detects that once at start-up, so a real mongod gets the better path and the others the
fallback (the purge deletes itself; search uses case-insensitive regular expressions; a
document's revision is checked by a read by `_id` before it is replaced by `_id`).
"""

import logging
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from complaint_runtime import is_ferretdb

log = logging.getLogger("complaints.archive.indexes")
NEWEST = [("sort_at", DESCENDING), ("_id", DESCENDING)]
FILTERED = ("status", "severity", "category", "department", "policy_id")
TEXT_FIELDS = ("record.title", "record.description", "record.product.name")


@dataclass(frozen=True)
class Capabilities:
    ttl: bool
    text: bool
    conditional_writes: bool = True
    """An update filtered on more than `_id` is atomic (MongoDB). FerretDB reads the whole
    collection for such a filter and still lets several writers win."""


def complaint_indexes() -> list[IndexModel]:
    by_filter = [
        IndexModel([(name, ASCENDING), *NEWEST], name=f"{name}_newest") for name in FILTERED
    ]
    return [
        IndexModel(NEWEST, name="newest"),
        *by_filter,
        IndexModel([("number", ASCENDING)], name="number"),
        IndexModel([("record.product.name", ASCENDING), *NEWEST], name="product_newest"),
        IndexModel([("record.product.batch", ASCENDING), *NEWEST], name="batch_newest"),
        IndexModel([("open_due_at", ASCENDING)], name="overdue"),
        IndexModel([("received_at", ASCENDING)], name="received"),
        IndexModel([("received_month", ASCENDING), ("policy_id", ASCENDING)], name="reports"),
        IndexModel([("retain_until", ASCENDING)], name="retention"),
    ]


def event_indexes() -> list[IndexModel]:
    """`_id` is the event id (unique: an event is archived once); the rest serves rebuilds."""
    return [IndexModel([("complaint_id", ASCENDING), ("key", ASCENDING)], name="complaint_order")]


async def prepare(database: AsyncDatabase[Any]) -> Capabilities:
    await _ensure(database, "complaints", complaint_indexes())
    await _ensure(database, "events", event_indexes())
    ttl = await _optional(
        database,
        "events",
        IndexModel([("expire_at", ASCENDING)], name="expire_at", expireAfterSeconds=0),
    )
    text_index = IndexModel(
        [(field, "text") for field in TEXT_FIELDS], name="text", default_language="none"
    )
    text = await _optional(database, "complaints", text_index)
    conditional = not await is_ferretdb(database)
    log.info(
        "indexes ready",
        extra={"ttl_index": ttl, "text_index": text, "conditional_writes": conditional},
    )
    return Capabilities(ttl=ttl, text=text, conditional_writes=conditional)


async def _ensure(database: AsyncDatabase[Any], collection: str, indexes: list[IndexModel]) -> None:
    """Creates the missing ones, one at a time: FerretDB drops the connection when one
    createIndexes names several that already exist."""
    existing = await database[collection].index_information()
    for index in indexes:
        if index.document["name"] not in existing:
            await database[collection].create_indexes([index])


async def _optional(database: AsyncDatabase[Any], collection: str, index: IndexModel) -> bool:
    try:
        await _ensure(database, collection, [index])
    except OperationFailure as error:
        log.info("index not supported", extra={"index": index.document["name"], "code": error.code})
        return False
    return True
