"""The service's MongoDB client and the few MongoDB idioms every service uses."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, OperationFailure

from .settings import ServiceSettings

DUPLICATE_KEY = 11000
log = logging.getLogger("complaints.mongo")


def mongo_client(settings: ServiceSettings) -> AsyncMongoClient[Any]:
    return AsyncMongoClient(
        settings.mongodb_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5_000,
        connectTimeoutMS=5_000,
        retryWrites=True,
        appname="complaints",
    )


async def insert_new(collection: AsyncCollection[Any], documents: Sequence[Any]) -> list[int]:
    """Insert in one unordered command; the positions of documents whose unique key was taken
    (an event or request seen before: the idempotency check is the unique index itself)."""
    if not documents:
        return []
    try:
        await collection.insert_many(list(documents), ordered=False)
    except BulkWriteError as error:
        failures = error.details.get("writeErrors", [])
        if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
            raise
        return sorted(failure["index"] for failure in failures)
    return []


async def text_index(collection: AsyncCollection[Any], index: IndexModel) -> bool:
    """Create a text index; False where the server has none, and searches fall back to regular
    expressions. mongod has text indexes; the test server (secantus-mdb) refuses them cleanly,
    the one difference between the two the services see."""
    try:
        await collection.create_indexes([index])
    except OperationFailure as error:
        log.info(
            "no text index: search falls back to regular expressions", extra={"code": error.code}
        )
        return False
    return True
