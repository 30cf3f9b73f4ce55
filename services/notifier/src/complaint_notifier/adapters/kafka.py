"""Publishing the notifier's events, waiting for the broker's acknowledgement (acks=all)."""

import asyncio
from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaBroker

from complaint_events import Envelope
from complaint_runtime import ServiceSettings, publish, publish_all


class KafkaPublisher:
    def __init__(self, broker: KafkaBroker, settings: ServiceSettings, *, timeout: float) -> None:
        self.broker, self.settings, self.timeout = broker, settings, timeout

    async def publish(self, event: Envelope[Any]) -> None:
        """Raises TimeoutError (a transient failure the callers retry) when Kafka is away."""
        if not self.broker.running:
            raise ConnectionError("the Kafka broker is not started")
        async with asyncio.timeout(self.timeout):
            await publish(self.broker, self.settings, event)

    async def publish_all(self, events: Sequence[Envelope[Any]]) -> None:
        """In order, their acknowledgements awaited together."""
        if not self.broker.running:
            raise ConnectionError("the Kafka broker is not started")
        async with asyncio.timeout(self.timeout):
            await publish_all(self.broker, self.settings, events)
