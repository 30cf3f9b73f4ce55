"""Building the archive's dependencies: used by the service and by its commands alike."""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from complaint_runtime import for_a_while, make_broker, mongo_client

from .adapters.files import AttachmentFiles
from .adapters.indexes import prepare
from .adapters.policies import load_retention
from .adapters.queries import ArchiveQueries
from .adapters.store import ArchiveStore
from .domain import RetentionPolicies
from .metrics import ArchiveMetrics
from .service_layer import Archive, Publisher
from .settings import ArchiveSettings

SERVICE = "archive"


def utc_now() -> datetime:
    return datetime.now(UTC)


def unlinked_retention(settings: ArchiveSettings) -> timedelta | None:
    days = settings.unlinked_retention_days
    return timedelta(days=days) if days > 0 else None


def retention_policies(settings: ArchiveSettings) -> RetentionPolicies:
    return load_retention(settings.policies_dir, default_years=settings.default_retention_years)


@contextlib.asynccontextmanager
async def open_archive(
    settings: ArchiveSettings,
    publisher: Publisher,
    policies: RetentionPolicies,
    metrics: ArchiveMetrics,
) -> AsyncIterator[Archive]:
    """MongoDB opened, indexes in place, the use cases' dependencies assembled."""
    client: AsyncMongoClient[Any] = mongo_client(settings)
    try:
        database = client[settings.mongodb_database]
        async for attempt in for_a_while("prepare the database", seconds=30):
            with attempt:
                text_index = await prepare(database)
        yield Archive(
            store=ArchiveStore(database, unlinked_retention=unlinked_retention(settings)),
            queries=ArchiveQueries(database, text_index=text_index),
            files=AttachmentFiles(database),
            publisher=publisher,
            policies=policies,
            metrics=metrics,
            clock=utc_now,
        )
    finally:
        await client.close()


def command_broker(settings: ArchiveSettings) -> KafkaBroker:
    """A broker that only publishes (the purge command)."""
    return make_broker(settings, service=SERVICE, registry=CollectorRegistry())
