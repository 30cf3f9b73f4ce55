"""Consumer lag per topic partition, sampled from the service's own Kafka consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, Gauge

log = logging.getLogger("complaints.lag")


class LagReporter:
    """`complaints_consumer_lag{service,topic,partition}`: messages not yet consumed."""

    def __init__(self, broker: KafkaBroker, registry: CollectorRegistry, service: str) -> None:
        self.broker, self.service = broker, service
        self.gauge = Gauge(
            "complaints_consumer_lag",
            "Messages between the consumer's position and the end of the partition.",
            ["service", "topic", "partition"],
            registry=registry,
        )

    async def sample(self, prefix: str = "") -> None:
        for subscriber in self.broker.subscribers:
            consumer: Any = getattr(subscriber, "consumer", None)
            if consumer is None:
                continue
            for part in consumer.assignment():
                end = consumer.highwater(part)
                if end is None:
                    continue
                lag = max(0, end - await consumer.position(part))
                topic = part.topic.removeprefix(prefix)
                self.gauge.labels(self.service, topic, str(part.partition)).set(lag)

    @contextlib.asynccontextmanager
    async def running(self, prefix: str = "", every: float = 5.0) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                try:
                    await self.sample(prefix)
                except Exception as error:  # a failed sample must not stop the service
                    log.debug("lag sample failed", extra={"error": type(error).__name__})
                await asyncio.sleep(every)

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
