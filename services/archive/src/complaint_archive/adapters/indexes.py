"""Indexes for every query path, the TTL index that expires log entries, and the text index
where the server has one (mongod; the test server falls back to regular expressions)."""

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from complaint_runtime import text_index

NEWEST = [("sort_at", DESCENDING), ("_id", DESCENDING)]
FILTERED = ("status", "severity", "category", "department", "policy_id")
TEXT_FIELDS = ("record.title", "record.description", "record.product.name")


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
    """`_id` is the event id (unique: an event is archived once); `complaint_order` serves
    rebuilds and purges; the TTL monitor deletes entries once their `expire_at` has passed."""
    return [
        IndexModel([("complaint_id", ASCENDING), ("key", ASCENDING)], name="complaint_order"),
        IndexModel([("expire_at", ASCENDING)], name="expire_at", expireAfterSeconds=0),
    ]


def search_index() -> IndexModel:
    return IndexModel(
        [(field, "text") for field in TEXT_FIELDS], name="text", default_language="none"
    )


async def prepare(database: AsyncDatabase[Any]) -> bool:
    """Creates the indexes; whether searches can use a text index."""
    await database["complaints"].create_indexes(complaint_indexes())
    await database["events"].create_indexes(event_indexes())
    return await text_index(database["complaints"], search_index())
