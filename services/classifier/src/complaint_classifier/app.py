"""Wiring: the only module that knows every concrete class. `main()` runs the service."""

import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from complaint_runtime import (
    DeadLetters,
    configure_logging,
    create_app,
    for_a_while,
    kafka_check,
    make_broker,
    mongo_client,
    serve,
    service_info,
)

from .adapters.counters import MongoCounters
from .adapters.indexes import prepare
from .adapters.kafka import KafkaPublisher
from .adapters.policies import load_book
from .adapters.store import MongoStore
from .domain import PolicyError
from .entrypoints.deps import Wiring
from .entrypoints.subscriber import SERVICE, subscribe
from .metrics import ClassifierMetrics
from .service_layer import Classifier, ConfigurationError, PolicyBook
from .settings import ClassifierSettings

VERSION = "0.1.0"
log = logging.getLogger("complaints.classifier")


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    registry = CollectorRegistry()
    service_info(registry, SERVICE, VERSION)
    broker = make_broker(settings, service=SERVICE, registry=registry)
    wiring = Wiring(settings, ClassifierMetrics(registry))
    subscribe(broker, wiring, DeadLetters(broker, settings, service=SERVICE, registry=registry))

    @contextlib.asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        client: AsyncMongoClient[Any] = mongo_client(settings)
        try:
            database = client[settings.mongodb_database]
            async for attempt in for_a_while("prepare the database", seconds=30):
                with attempt:
                    await prepare(database)
            store = MongoStore(database)
            grace = timedelta(days=settings.counter_grace_days)
            counters = MongoCounters(database, grace=grace, clock=clock)
            publisher = KafkaPublisher(broker, settings)
            wiring.classifier = Classifier(book, store, counters, publisher, wiring.metrics, clock)
            wiring.store_ping = store.ping
            yield
        finally:
            wiring.classifier = wiring.store_ping = None
            await client.close()

    app = create_app(
        title=SERVICE,  # also the service label of the runtime's metrics
        version=VERSION,
        settings=settings,
        broker=broker,
        registry=registry,
        checks={"kafka": kafka_check(broker), "mongodb": wiring.ping_store},
        resources=resources,
    )
    app.title = "Complaint classifier"
    app.state.wiring, app.state.broker = wiring, broker
    return app


def main() -> None:
    settings = ClassifierSettings()
    configure_logging(SERVICE, settings.log_level)
    try:
        app = build(settings)
    except (PolicyError, ConfigurationError) as error:
        log.error("cannot start: unusable policy configuration", extra={"problems": str(error)})
        print(f"complaint-classifier: cannot start:\n{error}", file=sys.stderr)
        sys.exit(2)
    serve(app, settings)
