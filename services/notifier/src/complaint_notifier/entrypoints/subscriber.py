"""The subscriber of the received, classified and lifecycle topics.

One consumer group reads the three topics with the range assignor, so partition N of each
(every topic hashes a complaint id to the same N) goes to the same consumer: each complaint
has a single writer. A batch's complaints are recorded together (their database writes
shared); offsets are committed (NACK_ON_ERROR: when the handler returns) only after every
event was recorded and its schedule changes and deadline events were carried out, or
dead-lettered. A batch that fails for another reason than an unavailable dependency is
taken apart, complaint by complaint and then event by event, down to the culprit.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaBroker

from complaint_events import CLASSIFIED, LIFECYCLE, RECEIVED, DecodeError, Envelope, ReasonCode
from complaint_runtime import DeadLetters, batch_subscriber, until_done

from ..metrics import SERVICE
from ..service_layer import record_batch, record_events
from .deps import Wiring

log = logging.getLogger("complaints.notifier.subscriber")
Record = Any  # aiokafka's ConsumerRecord (aiokafka ships no type information)
Item = tuple[Record, Envelope[Any]]
INPUTS = (RECEIVED, CLASSIFIED, LIFECYCLE)
COMPLAINTS_AT_ONCE = 16


def subscribe(broker: KafkaBroker, wiring: Wiring, dead: DeadLetters) -> None:
    settings = wiring.settings

    @batch_subscriber(
        broker,
        settings,
        SERVICE,
        *INPUTS,
        batch_size=settings.kafka_batch_size,
        batch_wait_ms=settings.kafka_batch_wait_ms,
    )
    async def on_event(records: Sequence[Record]) -> None:
        await consume(records, wiring, dead)


async def consume(records: Sequence[Record], wiring: Wiring, dead: DeadLetters) -> None:
    by_complaint: dict[str, list[Item]] = {}
    for record in records:
        event = await dead.decode(record)
        if event is not None and event.complaint_id is not None:
            by_complaint.setdefault(event.complaint_id, []).append((record, event))
    if not by_complaint:
        return
    events = {cid: [event for _, event in items] for cid, items in by_complaint.items()}
    try:
        async for attempt in until_done("record a batch"):
            with attempt:
                await record_batch(wiring.ready(), events)
        return
    except Exception as error:
        log.warning("batch failed, recording complaint by complaint", exc_info=error)
    gate = asyncio.Semaphore(COMPLAINTS_AT_ONCE)

    async def one(complaint_id: str, items: list[Item]) -> None:
        async with gate:
            await _recorded(wiring, complaint_id, items, dead)

    await asyncio.gather(*(one(cid, items) for cid, items in by_complaint.items()))


async def _recorded(
    wiring: Wiring, complaint_id: str, items: list[Item], dead: DeadLetters
) -> None:
    """Retried while a dependency is down; an unexpected error is narrowed to the event
    causing it, which is dead-lettered, so one bad event cannot stall its partition."""
    try:
        async for attempt in until_done("record events"):
            with attempt:
                await record_events(wiring.ready(), complaint_id, [event for _, event in items])
    except Exception as error:
        if len(items) > 1:
            for item in items:
                await _recorded(wiring, complaint_id, [item], dead)
            return
        record, event = items[0]
        log.error("event could not be recorded", exc_info=error)
        detail = f"notifier could not plan {event.event_type}: {type(error).__name__}"
        reason = DecodeError(ReasonCode.VALIDATION_FAILED, detail, event_type=event.event_type)
        await dead.send(record, reason)
