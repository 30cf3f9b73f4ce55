"""The service's MongoDB client, and reads that cost the same on every MongoDB-protocol server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from .settings import ServiceSettings

POINT_READS_AT_ONCE = 16


def mongo_client(settings: ServiceSettings) -> AsyncMongoClient[Any]:
    return AsyncMongoClient(
        settings.mongodb_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5_000,
        connectTimeoutMS=5_000,
        retryWrites=True,
        appname="complaints",
    )


async def find_by_ids(
    collection: AsyncCollection[Any],
    ids: Iterable[Any],
    projection: Mapping[str, Any] | None = None,
) -> dict[Any, dict[str, Any]]:
    """The documents with these `_id`s, by `_id` (missing ones left out).

    One point read per id, a few at a time, rather than one `{_id: {$in: [...]}}`: MongoDB
    answers both from the `_id` index, but FerretDB pushes down only `{_id: <value>}` and
    answers `$in` by reading the whole collection, which made every batch cost as much as
    the collection is large.
    """
    wanted = sorted(set(ids))
    gate = asyncio.Semaphore(POINT_READS_AT_ONCE)

    async def one(key: Any) -> dict[str, Any] | None:
        async with gate:
            found: dict[str, Any] | None = await collection.find_one({"_id": key}, projection)
            return found

    found = await asyncio.gather(*(one(key) for key in wanted))
    return {doc["_id"]: doc for doc in found if doc is not None}


async def is_ferretdb(database: AsyncDatabase[Any]) -> bool:
    """FerretDB answers `buildInfo` with its own version beside the MongoDB one it emulates.
    Services ask once at start-up where FerretDB needs another path (no atomic conditional
    update, no TTL or text index)."""
    info = await database.command("buildInfo")
    return "ferretdbVersion" in info
