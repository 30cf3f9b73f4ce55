"""Wiring: the only module that knows every concrete class. `main()` runs the service or one
of its maintenance commands (`complaint-archive --help`)."""

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from complaint_runtime import (
    TRANSIENT,
    ApiKeys,
    DeadLetters,
    configure_logging,
    create_app,
    kafka_check,
    make_broker,
    problem,
    serve,
    service_info,
)

from .adapters.kafka import KafkaPublisher
from .bootstrap import open_archive, retention_policies
from .entrypoints.commands import run_command
from .entrypoints.deps import Wiring
from .entrypoints.http_complaints import complaints_router
from .entrypoints.http_reports import reports_router
from .entrypoints.subscriber import SERVICE, subscribe
from .metrics import ArchiveMetrics
from .service_layer import request_purges
from .settings import ArchiveSettings

VERSION = "0.1.0"
log = logging.getLogger("complaints.archive")


def build(settings: ArchiveSettings, *, keys: ApiKeys | None = None) -> FastAPI:
    """The whole service as one ASGI app: REST API, subscriber, purge loop, health, metrics."""
    registry = CollectorRegistry()
    service_info(registry, SERVICE, VERSION)
    broker = make_broker(settings, service=SERVICE, registry=registry)
    wiring = Wiring(settings, ArchiveMetrics(registry))
    if settings.consume:
        subscribe(broker, wiring, DeadLetters(broker, settings, service=SERVICE, registry=registry))
    policies = retention_policies(settings)  # a bad file stops the service here

    @contextlib.asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        publisher = KafkaPublisher(broker, settings)
        async with open_archive(settings, publisher, policies, wiring.metrics) as archive:
            wiring.archive = archive
            wiring.store_ping = archive.store.ping
            try:
                async with background(wiring):
                    yield
            finally:
                wiring.archive = wiring.store_ping = None

    app = create_app(
        title=SERVICE,  # also the service label of the runtime's metrics
        version=VERSION,
        settings=settings,
        broker=broker,
        registry=registry,
        checks={"kafka": kafka_check(broker), "mongodb": wiring.ping_store},
        resources=resources,
    )
    app.title = "Complaint archive"
    app.state.wiring, app.state.broker = wiring, broker
    keys = keys or _keys(settings)
    app.include_router(complaints_router(keys))
    app.include_router(reports_router(keys))
    for error_type in TRANSIENT:
        if issubclass(error_type, Exception):
            app.add_exception_handler(error_type, _unavailable)
    return app


@contextlib.asynccontextmanager
async def background(wiring: Wiring) -> AsyncIterator[None]:
    """The periodic purge (when enabled) and the document count gauge."""
    tasks = [asyncio.create_task(_count_documents(wiring))]
    if wiring.settings.purge_interval_seconds > 0:
        tasks.append(asyncio.create_task(_purge_periodically(wiring)))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _purge_periodically(wiring: Wiring) -> None:
    while True:
        await asyncio.sleep(wiring.settings.purge_interval_seconds)
        try:
            archive = wiring.ready()
            requested = await request_purges(archive, limit=wiring.settings.purge_batch_size)
            log.info("purge round", extra={"purges_requested": requested})
        except Exception as error:  # the next round tries again
            log.warning("purge round failed", extra={"error": type(error).__name__})


async def _count_documents(wiring: Wiring, every: float = 30.0) -> None:
    while True:
        with contextlib.suppress(Exception):
            wiring.metrics.documents.set(await wiring.ready().store.document_count())
        await asyncio.sleep(every)


async def _unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("dependency unavailable", extra={"error": type(error).__name__})
    return problem(
        503, "MongoDB or Kafka is unavailable; retry later", headers={"Retry-After": "5"}
    )


def _keys(settings: ArchiveSettings) -> ApiKeys:
    if settings.api_keys_file is None:
        log.warning("API_KEYS_FILE is not set: every API call will be refused with 401")
        return ApiKeys([], settings.rate_limit)
    return ApiKeys.from_file(settings.api_keys_file, settings.rate_limit)


def main(argv: list[str] | None = None) -> None:
    settings = ArchiveSettings()
    configure_logging(SERVICE, settings.log_level)
    code = run_command(argv, settings)
    if code is not None:
        sys.exit(code)
    serve(build(settings), settings)
