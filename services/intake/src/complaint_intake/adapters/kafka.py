"""Publishing intake's events to Kafka, waiting for the broker's acknowledgement."""

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from prometheus_client import Histogram

from complaint_events import Envelope
from complaint_runtime import ServiceSettings, publish

from .unavailable import BrokerUnavailable, broker_errors


class KafkaPublisher:
    def __init__(
        self,
        broker: KafkaBroker,
        settings: ServiceSettings,
        *,
        timeout: float,
        latency: Histogram,
    ) -> None:
        self.broker, self.settings, self.timeout, self.latency = broker, settings, timeout, latency

    async def publish(self, events: Sequence[Envelope[Any]]) -> None:
        """All events acknowledged (acks=all), or an exception; sent concurrently, so the
        producer batches them."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                with broker_errors():
                    await asyncio.gather(
                        *(publish(self.broker, self.settings, event) for event in events)
                    )
        except TimeoutError as error:
            raise BrokerUnavailable(f"Kafka took longer than {self.timeout}s") from error
        self.latency.observe(time.perf_counter() - started)
