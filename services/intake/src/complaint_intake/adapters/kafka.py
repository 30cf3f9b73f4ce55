"""Intake's producer of its own events: acks=all, idempotent, tuned for batches.

Intake publishes thousands of events a second; FastStream's per-message publish path (its
middlewares and publisher objects) costs more than the send itself at that rate, so the events
go through one aiokafka producer configured from the same settings (servers, SASL, TLS).
Dead letters still go through the runtime's broker.
"""

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka.security import parse_security
from prometheus_client import Histogram

from complaint_events import Envelope, encode, headers_for, message_key, topic_for_event_type
from complaint_runtime import ServiceSettings, security, topic

from .unavailable import BrokerUnavailable, broker_errors


class KafkaPublisher:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        timeout: float,
        latency: Histogram,
        batch_bytes: int,
        linger_ms: int,
    ) -> None:
        self.settings, self.timeout, self.latency = settings, timeout, latency
        self.producer = AIOKafkaProducer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id="complaints-intake-events",
            acks="all",
            enable_idempotence=True,
            max_batch_size=batch_bytes,
            linger_ms=linger_ms,
            **parse_security(security(settings)),
        )

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def publish(self, events: Sequence[Envelope[Any]]) -> None:
        """Return when the broker has every event (acks=all), or raise."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                with broker_errors():
                    sent = [await self._send(event) for event in events]
                    await asyncio.gather(*sent)
        except TimeoutError as error:
            raise BrokerUnavailable(f"Kafka took longer than {self.timeout}s") from error
        self.latency.observe(time.perf_counter() - started)

    async def _send(self, event: Envelope[Any]) -> "asyncio.Future[Any]":
        name = topic(self.settings, topic_for_event_type(event.event_type))
        return await self.producer.send(
            name, encode(event), key=message_key(event), headers=headers_for(event)
        )
