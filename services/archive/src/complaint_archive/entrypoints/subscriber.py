"""The subscriber of every topic: batches of events into the log and the documents.

One consumer group reads all topics with the range assignor, so partition N of every topic
(all six-partition topics hash a complaint id to the same N) goes to the same consumer: each
complaint's document has a single writer. Offsets are committed (NACK_ON_ERROR: when the
handler returns) only after the batch is stored.
"""

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from faststream.kafka import KafkaBroker

from complaint_events import SUBMITTED, TOPICS, DecodeError, ReasonCode, SubmissionRejected, decode
from complaint_runtime import DeadLetters, batch_subscriber, topic, until_done

from ..service_layer import Archive, Archived, Delivered, archive_events
from .deps import Wiring

SERVICE = "archive"
log = logging.getLogger("complaints.archive.subscriber")
Record = Any  # aiokafka's ConsumerRecord (aiokafka ships no type information)
T = TypeVar("T")


def subscribe(broker: KafkaBroker, wiring: Wiring, dead: DeadLetters) -> None:
    settings = wiring.settings

    @batch_subscriber(
        broker,
        settings,
        SERVICE,
        *TOPICS,
        batch_size=settings.kafka_batch_size,
        batch_wait_ms=settings.kafka_batch_wait_ms,
    )
    async def on_event(records: Sequence[Record]) -> None:
        await consume(records, wiring, dead)


async def consume(records: Sequence[Record], wiring: Wiring, dead: DeadLetters) -> Archived:
    wiring.metrics.batch_size.observe(len(records))
    submitted = topic(wiring.settings, SUBMITTED)
    delivered = []
    for record in records:
        event = await _decoded(record, dead, own_dead_letters=record.topic != submitted)
        if event is not None:
            delivered.append(
                Delivered(event, record.topic, record.partition, record.offset, record)
            )
    archive = await _until_done("start", lambda: _ready(wiring))
    return await _archived(archive, delivered, dead)


async def _decoded(record: Record, dead: DeadLetters, *, own_dead_letters: bool) -> Any:
    """The event, or None. Raw submissions that fail are intake's to dead-letter; the archive
    keeps the rejection intake publishes instead."""
    if own_dead_letters:
        return await dead.decode(record)
    try:
        return decode(record.value or b"", list(record.headers or ()))
    except DecodeError:
        return None


async def _ready(wiring: Wiring) -> Archive:
    return wiring.ready()


async def _archived(archive: Archive, items: list[Delivered], dead: DeadLetters) -> Archived:
    """Retried while a dependency is down; an unexpected error is narrowed to the event
    causing it, which is dead-lettered, so one bad event cannot stall its partition."""
    if not items:
        return Archived()
    try:
        return await _until_done("archive events", lambda: archive_events(archive, items))
    except Exception as error:
        if len(items) > 1:
            results = [await _archived(archive, [item], dead) for item in items]
            return Archived(
                new=sum(r.new for r in results),
                duplicates=sum(r.duplicates for r in results),
                documents=sum(r.documents for r in results),
                purged=[cid for r in results for cid in r.purged],
            )
        log.error("event could not be archived", extra={"error": type(error).__name__})
        if not _own_dead_letter(items[0]):  # its dead letter would fail again, and so on
            await dead.send(items[0].record, _failure(items[0], error))
        return Archived()


def _own_dead_letter(item: Delivered) -> bool:
    payload = item.envelope.payload
    return isinstance(payload, SubmissionRejected) and payload.rejected_by == SERVICE


def _failure(item: Delivered, error: Exception) -> DecodeError:
    detail = f"archive could not store {item.envelope.event_type}: {type(error).__name__}"
    return DecodeError(ReasonCode.VALIDATION_FAILED, detail, event_type=item.envelope.event_type)


async def _until_done(what: str, call: Callable[[], Awaitable[T]]) -> T:
    async for attempt in until_done(what):
        with attempt:
            return await call()
    raise AssertionError("until_done never stops retrying")
