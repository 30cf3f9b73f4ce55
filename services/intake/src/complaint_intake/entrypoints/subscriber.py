"""The subscriber of the submitted topic: batches in, complaints or dead letters out.

The offsets of a batch are committed (NACK_ON_ERROR: when the handler returns) only after
every message in it was published as `ComplaintReceived` or dead-lettered.
"""

import asyncio
import dataclasses
import logging
import zlib
from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaBroker

from complaint_events import SUBMITTED
from complaint_runtime import DeadLetters, batch_subscriber

from ..adapters.retrying import persistently
from ..domain.parsing import Incoming, parse_submission
from ..domain.records import Receipt
from ..domain.refusals import Reason, Refusal
from ..service_layer import Intake, receive
from .deps import Wiring

SERVICE = "intake"
log = logging.getLogger("complaints.intake.subscriber")
Record = Any  # aiokafka's ConsumerRecord (aiokafka ships no type information)


def subscribe(broker: KafkaBroker, wiring: Wiring, dead: DeadLetters) -> None:
    settings = wiring.settings

    @batch_subscriber(
        broker,
        settings,
        SERVICE,
        SUBMITTED,
        batch_size=settings.kafka_batch_size,
        batch_wait_ms=settings.kafka_batch_wait_ms,
        co_partitioned=False,
    )
    async def on_submitted(records: Sequence[Record]) -> None:
        await consume(records, wiring, dead)


async def consume(records: Sequence[Record], wiring: Wiring, dead: DeadLetters) -> None:
    """Parse and write the batch in parts at once (one part's parsing overlaps another's wait
    for MongoDB and Kafka), then dead-letter what was refused; the offsets commit after."""
    intake = await persistently("start", lambda: _ready(wiring))
    parts = _parts(records, wiring.settings.kafka_parts)
    refused = [
        refusal
        for outcome in await asyncio.gather(*(_part(intake, part, wiring) for part in parts))
        for refusal in outcome
    ]
    limit = wiring.settings.max_body_bytes
    letters = (dead.send(_bounded(record, limit), why.as_decode_error()) for record, why in refused)
    await asyncio.gather(*letters)
    for _, refusal in refused:
        wiring.metrics.rejected.labels("kafka", refusal.reason.value).inc()
    wiring.metrics.batch_size.labels("kafka").observe(len(records))


def _parts(records: Sequence[Record], count: int) -> list[list[Record]]:
    """Split by message key, so repeats of one submission (same key) meet in one part; a
    repeat in another part is still resolved by the unique reservation."""
    parts: list[list[Record]] = [[] for _ in range(count)]
    for record in records:
        parts[zlib.crc32(record.key or b"") % count].append(record)
    return [part for part in parts if part]


async def _part(
    intake: Intake, records: list[Record], wiring: Wiring
) -> list[tuple[Record, Refusal]]:
    """Receive the part's valid submissions; the records refused, with why."""
    settings, metrics = wiring.settings, wiring.metrics
    parsed = [
        parse_submission(
            record.value or b"",
            list(record.headers or ()),
            default_channel=settings.kafka_default_channel,
            max_bytes=settings.max_body_bytes,
            phone_region=settings.phone_region,
            policies=wiring.policies.by_id.keys(),
        )
        for record in records
    ]
    accepted = [(r, p) for r, p in zip(records, parsed, strict=True) if isinstance(p, Incoming)]
    refused = [(r, p) for r, p in zip(records, parsed, strict=True) if isinstance(p, Refusal)]
    results = await _received(intake, [incoming for _, incoming in accepted])
    for (record, _), result in zip(accepted, results, strict=True):
        if isinstance(result, Refusal):
            refused.append((record, result))
        else:
            (metrics.duplicates if result.duplicate else metrics.received).labels("kafka").inc()
    return refused


async def _ready(wiring: Wiring) -> Intake:
    intake, _ = wiring.ready()
    return intake


async def _received(intake: Intake, items: list[Incoming]) -> list[Receipt | Refusal]:
    """Retried while a dependency is down; an unexpected error is narrowed to the message
    causing it, which is dead-lettered, so one bad message cannot stall its partition."""
    if not items:
        return []
    try:
        return await persistently("receive submissions", lambda: receive(intake, items))
    except Exception as error:
        if len(items) == 1:
            log.error("submission failed unexpectedly", extra={"error": type(error).__name__})
            return [Refusal(Reason.PROCESSING_FAILED, f"intake failed: {type(error).__name__}")]
        return [result for item in items for result in await _received(intake, [item])]


def _bounded(record: Record, limit: int) -> Record:
    """A dead letter carries the original bytes, cut at the size limit so it still fits."""
    if record.value is None or len(record.value) <= limit:
        return record
    return dataclasses.replace(record, value=record.value[:limit])
