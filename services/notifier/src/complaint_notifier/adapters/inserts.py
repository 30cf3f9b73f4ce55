"""Inserting documents whose `_id` may exist already: the coordination primitive that works
on every MongoDB-protocol server, since a unique key is enforced atomically everywhere."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

DUPLICATE = 11000


async def insert_new(collection: AsyncCollection[Any], docs: list[dict[str, Any]]) -> list[Any]:
    """Insert what is new, in one round trip; the ids that were there already."""
    if not docs:
        return []
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(item.get("code") != DUPLICATE for item in errors):
            raise
        return [docs[item["index"]]["_id"] for item in errors]
    return []
