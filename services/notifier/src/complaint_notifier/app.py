"""Wiring: the only module that knows every concrete class. `main()` runs the service."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
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

from .bootstrap import load_rules, open_notifier
from .domain import Clock, SystemClock
from .entrypoints.deps import Wiring
from .entrypoints.http import deadlines_router
from .entrypoints.subscriber import subscribe
from .entrypoints.timer import SchedulerLoop, background
from .metrics import SERVICE, NotifierMetrics
from .settings import NotifierSettings

VERSION = "0.1.0"
log = logging.getLogger("complaints.notifier")


def build(
    settings: NotifierSettings, *, clock: Clock | None = None, keys: ApiKeys | None = None
) -> FastAPI:
    """The whole service as one ASGI app: subscriber, scheduler, REST, health and metrics.

    `clock` is where "now" comes from (a SettableClock lets tests travel in time).
    """
    registry = CollectorRegistry()
    service_info(registry, SERVICE, VERSION)
    broker = make_broker(settings, service=SERVICE, registry=registry)
    rules = load_rules(settings)  # a bad data file stops the service here
    wiring = Wiring(settings, NotifierMetrics(registry))
    if settings.consume:
        subscribe(broker, wiring, DeadLetters(broker, settings, service=SERVICE, registry=registry))
    scheduler = SchedulerLoop(wiring, broker) if settings.send else None
    if scheduler is not None:
        _stop_first(scheduler, broker)

    @asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        now = clock or SystemClock()
        async with open_notifier(settings, broker, rules, wiring.metrics, now) as (notifier, db):

            async def ping() -> None:
                await db.admin.command("ping")

            wiring.notifier, wiring.store_ping = notifier, ping
            try:
                async with background(wiring, scheduler):
                    yield
            finally:
                wiring.notifier = wiring.store_ping = None

    app = create_app(
        title=SERVICE,  # also the service label of the runtime's metrics
        version=VERSION,
        settings=settings,
        broker=broker,
        registry=registry,
        checks={"kafka": kafka_check(broker), "mongodb": wiring.ping_store},
        resources=resources,
    )
    app.title = "Complaint notifier"
    app.state.wiring, app.state.broker = wiring, broker
    app.include_router(deadlines_router(keys or _keys(settings)))
    for error_type in TRANSIENT:
        if issubclass(error_type, Exception):
            app.add_exception_handler(error_type, _unavailable)
    return app


def _stop_first(scheduler: SchedulerLoop, broker: KafkaBroker) -> None:
    """The scheduler's round in progress publishes its outcomes: it has to end before the
    broker stops, which create_app does before our resources close."""
    stop_broker = broker.stop

    async def stop(*args: Any, **kwargs: Any) -> None:
        await scheduler.stop()
        await stop_broker(*args, **kwargs)

    setattr(broker, "stop", stop)  # noqa: B010  (an instance attribute, not the class's)


async def _unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("dependency unavailable", extra={"error": type(error).__name__})
    return problem(503, "MongoDB is unavailable; retry later", headers={"Retry-After": "5"})


def _keys(settings: NotifierSettings) -> ApiKeys:
    if settings.api_keys_file is None:
        log.warning("API_KEYS_FILE is not set: every API call will be refused with 401")
        return ApiKeys([], settings.rate_limit)
    return ApiKeys.from_file(settings.api_keys_file, settings.rate_limit)


def main() -> None:
    settings = NotifierSettings()  # type: ignore[call-arg]  # the environment fills it
    configure_logging(SERVICE, settings.log_level)
    serve(build(settings), settings)
