"""Publishing the classifier's events to Kafka."""

from typing import Any

from faststream.kafka import KafkaBroker

from complaint_events import Envelope
from complaint_runtime import ServiceSettings, publish


class KafkaPublisher:
    def __init__(self, broker: KafkaBroker, settings: ServiceSettings) -> None:
        self.broker, self.settings = broker, settings

    async def publish(self, event: Envelope[Any]) -> None:
        """Returns once every in-sync replica has the event (acks=all)."""
        await publish(self.broker, self.settings, event)
