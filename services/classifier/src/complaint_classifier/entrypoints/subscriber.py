"""The subscriber of received complaints and lifecycle events: results or dead letters out.

One consumer group reads both topics with the range assignor, so partition N of each (both
have the same partition count and are keyed by complaint id) goes to the same consumer: a
complaint's classification has one writer. A batch's complaints are handled concurrently,
each complaint's events in order; offsets are committed (NACK_ON_ERROR: when the handler
returns) only after every event was published or dead-lettered.
"""

import logging
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker

from complaint_events import (
    EVENT_TYPE_HEADER,
    LIFECYCLE,
    RECEIVED,
    ComplaintReceived,
    ComplaintReclassified,
    DecodeError,
    Envelope,
    FieldError,
    ReasonCode,
    read_headers,
)
from complaint_runtime import DeadLetters, batch_subscriber, topic, until_done

from ..service_layer import Classifier, Refused, handle_batch
from .deps import Wiring

SERVICE = "classifier"
log = logging.getLogger("complaints.classifier.subscriber")
Record = Any  # aiokafka's ConsumerRecord (aiokafka ships no type information)


@dataclass(frozen=True)
class Delivered:
    event: Envelope[Any]
    record: Record


def subscribe(broker: KafkaBroker, wiring: Wiring, dead: DeadLetters) -> None:
    settings = wiring.settings

    @batch_subscriber(
        broker,
        settings,
        SERVICE,
        RECEIVED,
        LIFECYCLE,
        batch_size=settings.kafka_batch_size,
        batch_wait_ms=settings.kafka_batch_wait_ms,
    )
    async def on_event(records: Sequence[Record]) -> None:
        await consume(records, wiring, dead)


async def consume(records: Sequence[Record], wiring: Wiring, dead: DeadLetters) -> None:
    wiring.metrics.batch_size.observe(len(records))
    received = topic(wiring.settings, RECEIVED)
    delivered = []
    for record in records:
        event = await _decoded(record, dead, received=record.topic == received)
        if event is not None:
            delivered.append(Delivered(event, record))
    if delivered:
        classifier = await _ready(wiring)
        await _handled(classifier, delivered, dead, wiring.settings.concurrency)


async def _decoded(record: Record, dead: DeadLetters, *, received: bool) -> Any:
    """The event to handle, or None: dead-lettered, or a lifecycle event that is not ours
    (recognised by its header, so it is not even parsed)."""
    wanted = ComplaintReceived.event_type if received else ComplaintReclassified.event_type
    event_type = read_headers(record.headers).get(EVENT_TYPE_HEADER)
    if not received and event_type is not None and event_type != wanted:
        return None
    event = await dead.decode(record)
    if event is None or event.event_type == wanted:
        return event
    if received:
        detail = f"{event.event_type} does not belong on the received topic"
        await dead.send(record, DecodeError(ReasonCode.VALIDATION_FAILED, detail))
    return None


def _is_received(event: Envelope[Any]) -> bool:
    return event.event_type == ComplaintReceived.event_type


async def _ready(wiring: Wiring) -> Classifier:
    async for attempt in until_done("start"):
        with attempt:
            return wiring.ready()
    raise AssertionError("until_done never stops retrying")


async def _handled(
    classifier: Classifier, items: list[Delivered], dead: DeadLetters, concurrency: int
) -> None:
    """Retried while a dependency is down; an unexpected error is narrowed to the event that
    causes it, which is dead-lettered with the refusals, so one bad event cannot stall its
    partition."""
    started = time.perf_counter()
    events = [item.event for item in items]
    try:
        async for attempt in until_done("classify"):
            with attempt:
                results = await handle_batch(classifier, events, concurrency=concurrency)
    except Exception as failure:
        if len(items) > 1:
            for item in items:
                await _handled(classifier, [item], dead, concurrency)
            return
        await _failed(items[0], failure, dead)
        return
    elapsed = time.perf_counter() - started
    for item, result in zip(items, results, strict=True):
        classifier.metrics.handling_seconds.labels(item.event.event_type).observe(elapsed)
        if isinstance(result, Refused):
            errors = [FieldError(field=result.field, message=result.message, type="refused")]
            refusal = DecodeError(ReasonCode.VALIDATION_FAILED, result.message, field_errors=errors)
            await dead.send(item.record, refusal)


async def _failed(item: Delivered, failure: Exception, dead: DeadLetters) -> None:
    log.error(
        "event could not be classified",
        extra={
            "event_id": item.event.event_id,
            "error": type(failure).__name__,
            # frames only: an exception's message may quote the complaint
            "trace": "".join(traceback.format_tb(failure.__traceback__)),
        },
    )
    detail = f"classifier failed on {item.event.event_type}: {type(failure).__name__}"
    await dead.send(item.record, DecodeError(ReasonCode.VALIDATION_FAILED, detail))
