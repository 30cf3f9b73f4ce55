"""Decoding consumed records, and sending what cannot be used to the dead-letter topic."""

from __future__ import annotations

import logging
import re
from typing import Any

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, Counter

from complaint_events import REJECTED, DecodeError, Envelope, decode, new_event, rejection_for

from .kafka import publish
from .retry import until_done
from .settings import ServiceSettings

log = logging.getLogger("complaints.dead_letters")
COMPLAINT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

MAX_ORIGINAL_BYTES = 512 * 1024
"""The most of a refused message (value, key and headers together) a dead letter carries:
base64 makes them a third larger, and the dead letter must stay under the 1 MiB a producer
sends at most (Kafka's and aiokafka's default), or it could never be published."""
MAX_ORIGINAL_HEADERS = 1_000
"""The most headers a dead letter carries (`SubmissionRejected.original_headers` holds no more)."""


class DeadLetters:
    """Publishes `SubmissionRejected` for records a service refuses, and counts them."""

    def __init__(
        self,
        broker: KafkaBroker,
        settings: ServiceSettings,
        *,
        service: str,
        registry: CollectorRegistry,
    ) -> None:
        self.broker, self.settings, self.service = broker, settings, service
        self.counter = Counter(
            "complaints_dead_letters_total",
            "Messages sent to the dead-letter topic, by consumed topic and reason.",
            ["service", "topic", "reason"],
            registry=registry,
        )

    async def send(self, record: ConsumerRecord[Any, Any], error: DecodeError) -> None:
        """Publish the rejection; retried until the broker takes it, so the offset commits after."""
        value, headers = record.value or b"", list(record.headers or ())
        kept_headers = headers[:MAX_ORIGINAL_HEADERS]
        kept = value[: room_for_value(record.key, kept_headers)]
        cuts = [
            f"the first {len(part)} of {len(whole)} {what}"
            for part, whole, what in ((kept, value, "bytes"), (kept_headers, headers, "headers"))
            if len(part) < len(whole)
        ]
        if cuts:
            error = _noting_cuts(error, cuts)
        payload = rejection_for(
            error,
            rejected_by=self.service,
            value=kept,
            key=record.key,
            headers=kept_headers,
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        event = new_event(payload, producer=self.service, complaint_id=complaint_of(record))
        async for attempt in until_done("publish dead letter"):
            with attempt:
                await publish(self.broker, self.settings, event)
        topic = record.topic.removeprefix(self.settings.topic_prefix)
        self.counter.labels(self.service, topic, error.reason_code).inc()
        log.warning(
            "message dead-lettered",
            extra={
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "reason": str(error.reason_code),
                "dead_letter_event_id": event.event_id,
            },
        )

    async def decode(self, record: ConsumerRecord[Any, Any]) -> Envelope[Any] | None:
        """The record's event, or None after dead-lettering a record that is not a valid event."""
        try:
            return decode(record.value or b"", list(record.headers or ()))
        except DecodeError as error:
            await self.send(record, error)
            return None


def complaint_of(record: ConsumerRecord[Any, Any]) -> str | None:
    """The complaint a refused record is about, so its dead letter shows on the complaint:
    every event but a submission is keyed by its complaint id."""
    try:
        key = (record.key or b"").decode("ascii")
    except UnicodeDecodeError:
        return None
    return key if COMPLAINT_ID.fullmatch(key) else None


def room_for_value(key: bytes | None, headers: Any) -> int:
    """How many bytes of the value fit in a dead letter beside this key and these headers."""
    taken = len(key or b"") + sum(len(name) + len(value or b"") for name, value in headers or ())
    return max(MAX_ORIGINAL_BYTES - taken, 0)


def _noting_cuts(error: DecodeError, cuts: list[str]) -> DecodeError:
    return DecodeError(
        error.reason_code,
        f"{error.detail} (the dead letter keeps {' and '.join(cuts)})",
        field_errors=error.field_errors,
        event_type=error.event_type,
        schema_version=error.schema_version,
    )


__all__ = [
    "MAX_ORIGINAL_BYTES",
    "MAX_ORIGINAL_HEADERS",
    "REJECTED",
    "DeadLetters",
    "room_for_value",
]
