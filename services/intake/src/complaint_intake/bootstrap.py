"""The composition root: the only module that knows every concrete class."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from starlette.exceptions import HTTPException

from complaint_events import LIFECYCLE_COMMANDS
from complaint_runtime import ApiKeys, Service, api_keys, briefly, mongo_client, utc_now

from .adapters.command_keys import MongoCommandKeys
from .adapters.kafka import KafkaPublisher
from .adapters.lifecycle_store import MongoStates
from .adapters.mongo import MongoStore
from .adapters.numbering import NumberAllocator, NumberCounters
from .adapters.policies import load_policies
from .domain.numbers import NumbersExhausted
from .domain.parsing import Incoming, submission_model
from .domain.policy_terms import Policies
from .domain.records import Receipt
from .domain.refusals import Refusal
from .entrypoints.batching import GroupCommit
from .entrypoints.classifications import consume_classifications
from .entrypoints.deps import Committer, Wiring
from .entrypoints.http_commands import commands_router
from .entrypoints.http_common import (
    RequestLatency,
    document_request_models,
    http_error,
    invalid_request,
)
from .entrypoints.http_submissions import submissions_router
from .entrypoints.subscriber import consume_submissions
from .metrics import IntakeMetrics
from .service_layer import Intake, receive
from .settings import IntakeSettings

SERVICE, VERSION = "intake", "0.1.0"
IntakeOpener = Callable[[IntakeSettings, KafkaBroker, Wiring], AbstractAsyncContextManager[Intake]]


def build(
    settings: IntakeSettings,
    *,
    keys: ApiKeys | None = None,
    open_intake: IntakeOpener | None = None,
    policies: Policies | None = None,
) -> FastAPI:
    """The whole service as one ASGI app: REST API, subscribers, health and metrics.

    `open_intake` opens the clients the use cases need (MongoDB by default) for the app's life.
    """
    service = Service(SERVICE, settings, version=VERSION, title="Complaint intake")
    wiring = Wiring(
        settings=settings,
        metrics=IntakeMetrics(service.registry),
        policies=policies or load_policies(settings.policies_dir),
    )
    if settings.consume_submissions:
        consume_submissions(service, wiring)
    if settings.consume_classifications:
        consume_classifications(service, wiring)
    opener = open_intake or mongo_intake

    @asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        async with opener(settings, service.broker, wiring) as intake:
            committer = _committer(intake, settings, wiring.metrics)
            async with wiring.serving((intake, committer)), committer.running():
                yield

    app = service.app(
        wiring,
        checks={"mongodb": wiring.ping_store},
        resources=resources,
        unavailable={
            NumbersExhausted: "the day's one million complaint numbers are used up; nothing "
            "was done (numbering starts again at midnight in INTAKE_NUMBER_TIMEZONE)"
        },
    )
    _routes(app, keys or api_keys(settings), settings)
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


def _committer(intake: Intake, settings: IntakeSettings, metrics: IntakeMetrics) -> Committer:
    async def write(batch: Sequence[Incoming]) -> list[Receipt | Refusal]:
        metrics.batch_size.labels("http").observe(len(batch))
        wait = settings.unavailable_after_seconds
        return await briefly("receive", lambda: receive(intake, batch), seconds=wait)

    return GroupCommit(write, max_batch=settings.http_batch_size, writers=settings.http_writers)


def _routes(app: FastAPI, keys: ApiKeys, settings: IntakeSettings) -> None:
    app.include_router(submissions_router(keys))
    app.include_router(commands_router(keys))
    document_request_models(
        app, [submission_model(settings.http_default_channel), *LIFECYCLE_COMMANDS.values()]
    )
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
