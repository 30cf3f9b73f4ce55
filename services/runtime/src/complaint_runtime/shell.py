"""One service shell: what every complaint service is made of besides its own handlers.

A service's `bootstrap.py` (its only composition root) makes a `Service`, declares what it
consumes (`consume`, the runtime's one consumer pipeline), opens its adapters in a
`resources` context and asks for its `app`: settings, metrics registry, Kafka broker, dead
letters, health, metrics, documentation, problem-details errors (503 with Retry-After while a
dependency is unavailable, the same body everywhere), API keys, and hooks that run once the
broker has started and before it stops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry

from .app import Hook, Lifespan, create_app
from .auth import ApiKeys
from .consumer import Decoder, Handler, Input, Pipeline, read_events, subscribe
from .dead_letters import DeadLetters
from .kafka import make_broker
from .observability import Check, kafka_check, service_info
from .problems import problem
from .retry import TRANSIENT
from .settings import ServiceSettings

T = TypeVar("T")
log = logging.getLogger("complaints.runtime")
UNAVAILABLE = "Kafka or MongoDB is unavailable; nothing was done, retry later"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(kw_only=True)
class Wiring(Generic[T]):
    """What a service's handlers share, found on `app.state.wiring`. Its service layer
    (`current`) is there only while the service runs, between its resources opening and
    closing; `ready()` raises a transient error otherwise, so a consumer waits for it and a
    request is answered 503."""

    current: T | None = None
    store_ping: Callable[[], Awaitable[None]] | None = None

    def ready(self) -> T:
        if self.current is None:
            raise ConnectionError("the service is starting or stopping")
        return self.current

    async def ping_store(self) -> None:
        """Readiness: the database answers."""
        if self.store_ping is None:
            raise ConnectionError("no database client")
        await self.store_ping()

    @asynccontextmanager
    async def serving(
        self, current: T, ping: Callable[[], Awaitable[None]] | None = None
    ) -> AsyncIterator[None]:
        """`current` (and the database `ping`, where given) while the context is open."""
        self.current = current
        if ping is not None:
            self.store_ping = ping
        try:
            yield
        finally:
            self.current = None
            if ping is not None:
                self.store_ping = None


async def wiring_of(request: Request) -> Any:
    """The service's `Wiring`, for route dependencies (a coroutine: FastAPI would run a plain
    function in its thread pool, on every request)."""
    return request.app.state.wiring


def api_keys(settings: ServiceSettings) -> ApiKeys:
    """The keys of API_KEYS_FILE; without one, every API call is refused (said once, here)."""
    if settings.api_keys_file is None:
        log.warning("API_KEYS_FILE is not set: every API call will be refused with 401")
        return ApiKeys([], settings.rate_limit)
    return ApiKeys.from_file(settings.api_keys_file, settings.rate_limit)


class Service:
    """One service: registry, broker, dead letters, consumers, hooks, and its app."""

    def __init__(self, name: str, settings: ServiceSettings, *, version: str, title: str) -> None:
        self.name, self.settings, self.version, self.title = name, settings, version, title
        self.registry = CollectorRegistry()
        service_info(self.registry, name, version)
        self.broker = make_broker(settings, service=name, registry=self.registry)
        self.dead = DeadLetters(self.broker, settings, service=name, registry=self.registry)
        self.started: list[Hook] = []
        self.stopping: list[Hook] = []

    def consume(
        self,
        *inputs: Input,
        handle: Handler[Any],
        doing: str,
        decode: Decoder[Any] | None = None,
        consumer_group: str | None = None,
        co_partitioned: bool = True,
        **options: Any,
    ) -> Pipeline[Any]:
        """Run `handle` on batches of these topics through the consumer pipeline. Without
        `decode`, records are read as typed events (`Input` says which); `options` go to the
        `Pipeline` (parts, group, at_once, batch_size, letter_bytes). The consumer group is
        the service's own unless `consumer_group` names another purpose."""
        settings = self.settings
        reader = decode or read_events(inputs, settings.topic_prefix)
        pipeline = Pipeline(self.name, reader, handle, self.dead, doing=doing, **options)
        subscribe(
            self.broker,
            settings,
            pipeline,
            inputs,
            group=consumer_group or self.name,
            batch_size=settings.kafka_batch_size,
            batch_wait_ms=settings.kafka_batch_wait_ms,
            co_partitioned=co_partitioned,
        )
        return pipeline

    def after_start(self, hook: Hook) -> None:
        """Run `hook` once the broker has started (it may publish from then on)."""
        self.started.append(hook)

    def before_stop(self, hook: Hook) -> None:
        """Run `hook` before the broker stops (what it publishes still goes out)."""
        self.stopping.append(hook)

    def app(
        self,
        wiring: Any,
        *,
        checks: dict[str, Check],
        resources: Lifespan | None = None,
        unavailable: Mapping[type[BaseException], str] | None = None,
    ) -> FastAPI:
        """The service as one ASGI app. `checks` are readiness checks beside Kafka's;
        `unavailable` maps error types answered 503 beside the transient ones to what the
        answer says instead of naming Kafka or MongoDB."""
        app = create_app(
            title=self.name,  # also the service label of the runtime's metrics
            version=self.version,
            settings=self.settings,
            broker=self.broker,
            registry=self.registry,
            checks={"kafka": kafka_check(self.broker), **checks},
            resources=resources,
            started=self.started,
            stopping=self.stopping,
        )
        app.title = self.title
        app.state.wiring, app.state.broker = wiring, self.broker
        retry_after = str(self.settings.retry_after_seconds)

        details: dict[type[BaseException], str] = dict(unavailable or {})  # the specific first
        for kind in TRANSIENT:
            details.setdefault(kind, UNAVAILABLE)

        async def answer_unavailable(request: Request, error: Exception) -> JSONResponse:
            log.warning("dependency unavailable", extra={"error": type(error).__name__})
            detail = next(
                (text for kind, text in details.items() if isinstance(error, kind)), UNAVAILABLE
            )
            return problem(503, detail, reason="unavailable", headers={"Retry-After": retry_after})

        for error_type in details:
            if issubclass(error_type, Exception):
                app.add_exception_handler(error_type, answer_unavailable)
        return app
