"""The composition root: the only module that knows every concrete class."""

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from pymongo import AsyncMongoClient

from complaint_runtime import Service, briefly, mongo_client, utc_now

from .adapters.counters import MongoCounters
from .adapters.indexes import prepare
from .adapters.kafka import KafkaPublisher
from .adapters.policies import load_book
from .adapters.store import MongoStore
from .entrypoints.deps import Wiring
from .entrypoints.subscriber import consume_events
from .metrics import ClassifierMetrics
from .service_layer import Classifier, PolicyBook
from .settings import ClassifierSettings

SERVICE, VERSION = "classifier", "0.1.0"


def build(
    settings: ClassifierSettings,
    *,
    book: PolicyBook | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """The whole service as one ASGI app: subscriber, health and metrics.

    Raises `PolicyError` or `ConfigurationError` when the policies cannot be used.
    """
    book = book or load_book(settings)
    service = Service(SERVICE, settings, version=VERSION, title="Complaint classifier")
    wiring = Wiring(settings=settings, metrics=ClassifierMetrics(service.registry))
    consume_events(service, wiring)

    @contextlib.asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        client: AsyncMongoClient[Any] = mongo_client(settings)
        try:
            database = client[settings.mongodb_database]
            await briefly("prepare the database", lambda: prepare(database), seconds=30)
            store = MongoStore(database)
            grace = timedelta(days=settings.counter_grace_days)
            counters = MongoCounters(database, grace=grace, clock=clock)
            publisher = KafkaPublisher(service.broker, settings)
            classifier = Classifier(book, store, counters, publisher, wiring.metrics, clock)
            async with wiring.serving(classifier, store.ping):
                yield
        finally:
            await client.close()

    return service.app(wiring, checks={"mongodb": wiring.ping_store}, resources=resources)
