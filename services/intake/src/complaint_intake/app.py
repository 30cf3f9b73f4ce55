"""Wiring: the only module that knows every concrete class. `main()` runs the service."""

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient
from starlette.exceptions import HTTPException

from complaint_runtime import (
    TRANSIENT,
    ApiKeys,
    DeadLetters,
    configure_logging,
    create_app,
    kafka_check,
    make_broker,
    mongo_client,
    serve,
    service_info,
)

from .adapters.command_keys import MongoCommandKeys
from .adapters.kafka import KafkaPublisher
from .adapters.lifecycle_store import MongoStates
from .adapters.mongo import MongoStore
from .adapters.numbering import NumberAllocator, NumberCounters
from .adapters.policies import load_policies
from .adapters.retrying import briefly
from .domain.numbers import NumbersExhausted
from .domain.parsing import Incoming, submission_model
from .domain.policy_terms import Policies
from .domain.records import Receipt
from .domain.refusals import Refusal
from .entrypoints.batching import GroupCommit
from .entrypoints.classifications import subscribe_classifications
from .entrypoints.deps import Wiring
from .entrypoints.http_commands import commands_router
from .entrypoints.http_common import (
    RequestLatency,
    document_request_models,
    error_response,
    http_error,
    invalid_request,
)
from .entrypoints.http_submissions import submissions_router
from .entrypoints.subscriber import SERVICE, subscribe
from .metrics import IntakeMetrics
from .service_layer import Intake, receive
from .settings import IntakeSettings

VERSION = "0.1.0"
log = logging.getLogger("complaints.intake")


def utc_now() -> datetime:
    return datetime.now(UTC)


IntakeOpener = Callable[[IntakeSettings, KafkaBroker, Wiring], AbstractAsyncContextManager[Intake]]


def build(
    settings: IntakeSettings,
    *,
    keys: ApiKeys | None = None,
    open_intake: IntakeOpener | None = None,
    policies: Policies | None = None,
) -> FastAPI:
    """The whole service as one ASGI app: REST API, subscriber, health and metrics.

    `open_intake` opens the clients the use cases need (MongoDB by default) for the app's life.
    """
    registry = CollectorRegistry()
    service_info(registry, SERVICE, VERSION)
    broker = make_broker(settings, service=SERVICE, registry=registry)
    wiring = Wiring(
        settings, IntakeMetrics(registry), policies or load_policies(settings.policies_dir)
    )
    if settings.consume_submissions:
        subscribe(broker, wiring, DeadLetters(broker, settings, service=SERVICE, registry=registry))
    if settings.consume_classifications:
        subscribe_classifications(broker, wiring)
    opener = open_intake or mongo_intake

    @asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        async with opener(settings, broker, wiring) as intake:
            wiring.intake = intake
            wiring.committer = _committer(intake, settings, wiring.metrics)
            try:
                async with wiring.committer.running():
                    yield
            finally:
                wiring.intake = wiring.committer = None

    app = create_app(
        title="intake",  # also the service label of the runtime's metrics
        version=VERSION,
        settings=settings,
        broker=broker,
        registry=registry,
        checks={"kafka": kafka_check(broker), "mongodb": wiring.ping_store},
        resources=resources,
    )
    app.state.wiring, app.state.broker = wiring, broker
    _routes(app, keys or _keys(settings), settings)
    app.add_middleware(RequestLatency, histogram=wiring.metrics.request_seconds)
    return app


@asynccontextmanager
async def mongo_intake(
    settings: IntakeSettings, broker: KafkaBroker, wiring: Wiring
) -> AsyncIterator[Intake]:
    """The production adapters: MongoDB for records and numbers, a Kafka producer for events."""
    client: AsyncMongoClient[Any] = mongo_client(settings)
    database = client[settings.mongodb_database]
    publisher = KafkaPublisher(
        settings,
        timeout=settings.publish_timeout_seconds,
        latency=wiring.metrics.publish_seconds,
        batch_bytes=settings.producer_batch_bytes,
        linger_ms=settings.producer_linger_ms,
    )

    async def ping() -> None:
        await client.admin.command("ping")

    await publisher.start()
    wiring.store_ping = ping
    try:
        yield Intake(
            store=MongoStore(database),
            numbers=NumberAllocator(
                NumberCounters(database), zone=settings.zone, block_size=settings.number_block_size
            ),
            publisher=publisher,
            clock=utc_now,
            states=MongoStates(database),
            command_keys=MongoCommandKeys(database),
        )
    finally:
        wiring.store_ping = None
        await publisher.stop()
        await client.close()


def _committer(
    intake: Intake, settings: IntakeSettings, metrics: IntakeMetrics
) -> GroupCommit[Incoming, Receipt | Refusal]:
    async def write(batch: Sequence[Incoming]) -> list[Receipt | Refusal]:
        metrics.batch_size.labels("http").observe(len(batch))
        wait = settings.unavailable_after_seconds
        return await briefly("receive", lambda: receive(intake, batch), seconds=wait)

    return GroupCommit(write, max_batch=settings.http_batch_size, writers=settings.http_writers)


def _routes(app: FastAPI, keys: ApiKeys, settings: IntakeSettings) -> None:
    from complaint_events import LIFECYCLE_COMMANDS

    app.include_router(submissions_router(keys))
    app.include_router(commands_router(keys))
    document_request_models(
        app, [submission_model(settings.http_default_channel), *LIFECYCLE_COMMANDS.values()]
    )
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)

    async def unavailable(request: Request, error: Exception) -> JSONResponse:
        log.warning("dependency unavailable", extra={"error": type(error).__name__})
        return error_response(
            503,
            "unavailable",
            "Kafka or MongoDB is unavailable; nothing was recorded, retry later",
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )

    for error_type in (*TRANSIENT, NumbersExhausted):
        app.add_exception_handler(error_type, unavailable)


def _keys(settings: IntakeSettings) -> ApiKeys:
    if settings.api_keys_file is None:
        log.warning("API_KEYS_FILE is not set: every API call will be refused with 401")
        return ApiKeys([], settings.rate_limit)
    return ApiKeys.from_file(settings.api_keys_file, settings.rate_limit)


def main() -> None:
    settings = IntakeSettings()
    configure_logging(SERVICE, settings.log_level)
    serve(build(settings), settings)
