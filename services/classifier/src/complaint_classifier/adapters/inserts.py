"""Batched inserts that tolerate documents already stored: the one write that is atomic
under concurrency on every MongoDB-protocol server (a unique index decides)."""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

DUPLICATE_KEY = 11000


async def insert_new(collection: AsyncCollection[Any], documents: list[dict[str, Any]]) -> set[int]:
    """Inserts every document not stored yet; returns the positions of those already stored
    (same unique key). Any other write error raises."""
    if not documents:
        return set()
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        failures = error.details.get("writeErrors", [])
        if any(failure["code"] != DUPLICATE_KEY for failure in failures):
            raise
        return {failure["index"] for failure in failures}
    return set()
