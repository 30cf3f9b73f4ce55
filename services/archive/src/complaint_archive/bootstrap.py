"""The composition root: the only module that knows every concrete class. It builds the
service (`build`) and the dependencies its maintenance commands open alike."""

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from complaint_events import Envelope
from complaint_runtime import (
    ApiKeys,
    Service,
    api_keys,
    briefly,
    make_broker,
    mongo_client,
    utc_now,
)

from .adapters.files import AttachmentFiles
from .adapters.indexes import prepare
from .adapters.kafka import KafkaPublisher
from .adapters.policies import load_retention
from .adapters.queries import ArchiveQueries
from .adapters.store import ArchiveStore
from .domain import RetentionPolicies
from .entrypoints.background import background
from .entrypoints.deps import Wiring
from .entrypoints.http_complaints import complaints_router
from .entrypoints.http_reports import reports_router
from .entrypoints.subscriber import consume_events
from .metrics import ArchiveMetrics
from .service_layer import Archive, Publisher
from .settings import ArchiveSettings

SERVICE, VERSION = "archive", "0.1.0"


def build(settings: ArchiveSettings, *, keys: ApiKeys | None = None) -> FastAPI:
    """The whole service as one ASGI app: REST API, subscriber, purge loop, health, metrics."""
    service = Service(SERVICE, settings, version=VERSION, title="Complaint archive")
    wiring = Wiring(settings=settings, metrics=ArchiveMetrics(service.registry))
    if settings.consume:
        consume_events(service, wiring)
    policies = retention_policies(settings)  # a bad file stops the service here

    @contextlib.asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        publisher = KafkaPublisher(service.broker, settings)
        async with (
            open_archive(settings, publisher, policies, wiring.metrics) as archive,
            wiring.serving(archive, archive.store.ping),
            background(wiring),
        ):
            yield

    app = service.app(wiring, checks={"mongodb": wiring.ping_store}, resources=resources)
    keys = keys or api_keys(settings)
    app.include_router(complaints_router(keys))
    app.include_router(reports_router(keys))
    return app


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
        text_index = await briefly("prepare the database", lambda: prepare(database), seconds=30)
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


class NoPublishing:
    """A rebuild publishes nothing."""

    async def publish(self, event: Envelope[Any]) -> None:
        raise RuntimeError("the rebuild does not publish events")


@contextlib.asynccontextmanager
async def command_archive(settings: ArchiveSettings, *, publishing: bool) -> AsyncIterator[Archive]:
    """The archive for a maintenance command, with a Kafka producer when it publishes."""
    metrics = ArchiveMetrics(CollectorRegistry())
    policies = retention_policies(settings)
    if not publishing:
        async with open_archive(settings, NoPublishing(), policies, metrics) as archive:
            yield archive
        return
    broker = make_broker(settings, service=SERVICE, registry=CollectorRegistry())
    await broker.start()
    try:
        publisher = KafkaPublisher(broker, settings)
        async with open_archive(settings, publisher, policies, metrics) as archive:
            yield archive
    finally:
        await broker.stop()
