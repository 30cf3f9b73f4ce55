"""The service's MongoDB client, and reads that cost the same on every MongoDB-protocol server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from .settings import ServiceSettings

AT_ONCE = 16
"""Single-document commands in flight at once from one call (a small share of the pool)."""
T = TypeVar("T")


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
    reads = (collection.find_one({"_id": key}, projection) for key in sorted(set(ids)))
    found: list[dict[str, Any] | None] = await a_few_at_a_time(reads)
    return {doc["_id"]: doc for doc in found if doc is not None}


async def a_few_at_a_time(calls: Iterable[Awaitable[T]], at_once: int = AT_ONCE) -> list[T]:
    """Await `calls` with at most `at_once` in flight; their results in order. For commands
    on one document each (by `_id`, the one filter FerretDB looks up by index) where MongoDB
    would take one command on many."""
    gate = asyncio.Semaphore(at_once)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(call) for call in calls)))


async def is_ferretdb(database: AsyncDatabase[Any]) -> bool:
    """FerretDB answers `buildInfo` with its own version beside the MongoDB one it emulates.
    Services ask once at start-up where FerretDB needs another path (no atomic conditional
    update, no TTL or text index)."""
    info = await database.command("buildInfo")
    return "ferretdbVersion" in info
