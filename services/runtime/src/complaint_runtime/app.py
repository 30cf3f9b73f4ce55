"""Assembling a service: one FastAPI app running the Kafka broker, health, metrics and CORS."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

import uvicorn
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from .docs import serve_docs
from .kafka import wait_for_kafka
from .lag import LagReporter
from .observability import Check, health_router, metrics_route
from .problems import refuse_unknown_query, use_problems
from .settings import ServiceSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]
Hook = Callable[[], Awaitable[None]]
log = logging.getLogger("complaints.runtime")
STARTUP_FAILED = 3
"""The exit code uvicorn gives when the app cannot start; the same for Kafka never answering."""


def create_app(
    *,
    title: str,
    version: str,
    settings: ServiceSettings,
    broker: KafkaBroker,
    registry: CollectorRegistry,
    checks: dict[str, Check],
    resources: Lifespan | None = None,
    started: Sequence[Hook] = (),
    stopping: Sequence[Hook] = (),
) -> FastAPI:
    """`title` is the service's name (also its metrics label). `resources` opens what the
    handlers need (MongoDB...) before the broker starts consuming, and closes it after the
    broker has drained its in-flight messages. `started` hooks run once the broker has
    started; `stopping` hooks run before it stops (what they publish still goes out)."""
    lag = LagReporter(broker, registry, title)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with resources(app) if resources else nullcontext():
            await broker.start()
            try:
                for hook in started:
                    await hook()
                async with lag.running(settings.topic_prefix):
                    yield
            finally:
                try:
                    for hook in stopping:
                        await hook()
                finally:
                    await broker.stop()  # waits up to the grace period for in-flight messages

    app = FastAPI(
        title=title,
        version=version,
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
        docs_url=None,  # served by serve_docs, from local assets
        redoc_url=None,
    )
    use_problems(app)
    serve_docs(app)
    app.include_router(health_router(checks))
    app.add_api_route("/metrics", metrics_route(registry), include_in_schema=False)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Content-Type"],
        )
    return app


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run until SIGTERM/SIGINT; in-flight work gets the grace period to finish. Kafka is
    waited for first (KAFKA_STARTUP_WAIT_SECONDS); if it never answers the process exits with
    3, as when the app cannot start, for its supervisor to start it again."""
    try:
        asyncio.run(wait_for_kafka(settings))
    except Exception as error:
        log.error(
            "Kafka did not answer at start-up",
            extra={
                "waited_seconds": settings.kafka_startup_wait_seconds,
                "error": type(error).__name__,
            },
        )
        raise SystemExit(STARTUP_FAILED) from error
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )
