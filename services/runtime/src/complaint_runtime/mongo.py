"""The service's MongoDB client, built once at start-up."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from .settings import ServiceSettings


def mongo_client(settings: ServiceSettings) -> AsyncMongoClient[Any]:
    return AsyncMongoClient(
        settings.mongodb_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5_000,
        connectTimeoutMS=5_000,
        retryWrites=True,
        appname="complaints",
    )
