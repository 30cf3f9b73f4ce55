"""One consumer pipeline for every service: a batch of Kafka records in, the service's effect
out, the offsets committed only after it.

    decode   by header first: an event the service does not handle is skipped unparsed; a
             message that cannot be used goes to the dead-letter topic with its reason and
             its original bytes
    handle   the service's one function for a batch; while a dependency is unavailable it is
             retried until it answers, with the runtime's one policy (`persistently`)
    narrow   a batch that fails for another reason is taken apart, complaint by complaint,
             then message by message, down to the one that causes it: that one is
             dead-lettered, the rest of the batch has its effect
    commit   FastStream's `AckPolicy.NACK_ON_ERROR`: the offsets commit when the handler
             returns; an exception seeks back and the batch is consumed again

A service declares what it consumes (`Input`s) and writes its handler; `subscribe` registers
the pipeline as a FastStream batch subscriber, with FastStream's decoder hook handing over
the records as they came.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import traceback
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar, cast

from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from complaint_events import (
    EVENT_TYPE_HEADER,
    DecodeError,
    Envelope,
    FieldError,
    ReasonCode,
    SubmissionRejected,
    TopicSpec,
    decode,
    read_headers,
    topic_name,
)

from .kafka import group_id
from .retry import persistently
from .settings import ServiceSettings

log = logging.getLogger("complaints.consumer")
T = TypeVar("T")
PROCESSING_FAILED = "processing_failed"
"""The field error type of a dead letter for a message its handler failed on unexpectedly."""


class KafkaRecord(Protocol):
    """A consumed message as the pipeline reads it (aiokafka's ConsumerRecord, untyped there)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


@dataclass(frozen=True, slots=True)
class Consumed(Generic[T]):
    """A message and what it was decoded into: what a handler receives."""

    item: T
    record: KafkaRecord


Verdicts = Sequence[DecodeError | None] | None
"""What a handler returns: None when every message had its effect, or one entry a message,
None (done) or why that one is refused (it goes to the dead-letter topic)."""
Handler = Callable[[Sequence[Consumed[T]]], Awaitable[Verdicts]]
Decoder = Callable[[KafkaRecord], "T | DecodeError | None"]
"""What a record holds: the item to handle, why it is refused, or None to pass it by."""


class Letters(Protocol):
    """Where refused messages go (complaint_runtime.DeadLetters)."""

    async def send(self, record: Any, error: DecodeError) -> None: ...


@dataclass(frozen=True)
class Input:
    """A consumed topic and which of its events the service handles."""

    spec: TopicSpec
    events: frozenset[str] = frozenset()
    """The event types handled; empty: every event the topic carries."""
    others: Literal["skip", "refuse"] = "skip"
    """An event of another type: passed by (recognised by its header, not even parsed), or
    dead-lettered as one that does not belong on this topic."""
    unreadable: Literal["refuse", "skip"] = "refuse"
    """A message that is not a valid event: dead-lettered, or passed by where another service
    dead-letters what cannot be read there (raw submissions are intake's)."""


def read_events(inputs: Sequence[Input], prefix: str) -> Decoder[Envelope[Any]]:
    """The decoder of services that consume typed events: each record by its topic's `Input`."""
    by_topic = {topic_name(wanted.spec, prefix): wanted for wanted in inputs}

    def read(record: KafkaRecord) -> Envelope[Any] | DecodeError | None:
        wanted = by_topic[record.topic]
        if wanted.events and wanted.others == "skip":
            event_type = read_headers(record.headers).get(EVENT_TYPE_HEADER)
            if event_type is not None and event_type not in wanted.events:
                return None
        try:
            event = decode(record.value or b"", list(record.headers or ()))
        except DecodeError as error:
            return _unreadable(wanted, error)
        except Exception as crash:  # a codec bug must not stall the partition on one message
            log.error("the codec crashed on a message", extra={"error": type(crash).__name__})
            detail = f"the value could not be read ({type(crash).__name__})"
            return _unreadable(wanted, DecodeError(ReasonCode.VALIDATION_FAILED, detail))
        if not wanted.events or event.event_type in wanted.events:
            return event
        if wanted.others == "refuse":
            detail = f"{event.event_type} does not belong on the {wanted.spec.name} topic"
            return DecodeError(ReasonCode.VALIDATION_FAILED, detail, event_type=event.event_type)
        return None

    return read


def _unreadable(wanted: Input, error: DecodeError) -> DecodeError | None:
    if wanted.unreadable == "refuse":
        return error
    log.info("unreadable message passed by", extra={"reason": str(error.reason_code)})
    return None


def by_record_key(consumed: Consumed[Any]) -> object:
    return consumed.record.key


def by_complaint(consumed: Consumed[Envelope[Any]]) -> object:
    return consumed.item.complaint_id


@dataclass
class Pipeline(Generic[T]):
    """Decode, handle, narrow, dead-letter: one batch at a time (see the module's doc)."""

    service: str
    decode: Decoder[T]
    handle: Handler[T]
    dead: Letters
    doing: str = "handle"
    """What the handler does, for the dead letter of a message it fails on ("could not ...")."""
    group: Callable[[Consumed[T]], object] = by_record_key
    """What keeps messages together when a failing batch is taken apart (their complaint)."""
    parts: int = 1
    """A batch is split by message key into this many parts, handled concurrently."""
    at_once: int = 16
    """Groups of a failing batch retried concurrently."""
    batch_size: Callable[[int], None] | None = None
    """Called with each batch's size (the service's histogram)."""
    letter_bytes: int | None = None
    """The most of a message's value its dead letter keeps (the service's size limit)."""

    async def __call__(self, records: Sequence[KafkaRecord]) -> None:
        if self.batch_size is not None:
            self.batch_size(len(records))
        parts = _split(records, self.parts)
        await asyncio.gather(*(self._consume(part) for part in parts))

    async def _consume(self, records: Sequence[KafkaRecord]) -> None:
        consumed: list[Consumed[T]] = []
        refused: list[tuple[KafkaRecord, DecodeError]] = []
        for record in records:
            outcome = self.decode(record)
            if isinstance(outcome, DecodeError):
                refused.append((record, outcome))
            elif outcome is not None:
                consumed.append(Consumed(outcome, record))
        await self.settle(consumed)
        await self._refuse(refused)

    async def settle(self, batch: Sequence[Consumed[T]]) -> None:
        """Handle decoded messages until done; on an unexpected error, take them apart. (The
        pipeline calls it for each part of a batch; tests and replays may call it directly.)"""
        if not batch:
            return
        try:
            verdicts = await persistently(self.doing, lambda: self.handle(batch))
            found = zip(batch, verdicts or [None] * len(batch), strict=True)
            refused = [(consumed.record, why) for consumed, why in found if why is not None]
        except Exception as error:
            if len(batch) == 1:
                await self._failed(batch[0], error)
            else:
                log.warning("batch failed, taking it apart", extra={"error": type(error).__name__})
                await self._narrow(batch)
            return
        await self._refuse(refused)

    async def _narrow(self, batch: Sequence[Consumed[T]]) -> None:
        groups: dict[object, list[Consumed[T]]] = {}
        for consumed in batch:
            groups.setdefault(self.group(consumed), []).append(consumed)
        if len(groups) == 1:  # one complaint: its messages one by one, in order
            for consumed in batch:
                await self.settle([consumed])
            return
        gate = asyncio.Semaphore(self.at_once)

        async def settled(group: list[Consumed[T]]) -> None:
            async with gate:
                await self.settle(group)

        await asyncio.gather(*(settled(group) for group in groups.values()))

    async def _failed(self, consumed: Consumed[T], error: Exception) -> None:
        what = _event_type(consumed.item) or "message"
        record = consumed.record
        log.error(
            "message failed unexpectedly",
            extra={
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "event_type": what,
                "error": type(error).__name__,
                # frames only: an exception's message may quote the complaint
                "trace": "".join(traceback.format_tb(error.__traceback__)),
            },
        )
        if self._own_dead_letter(consumed.item):
            return  # its dead letter would fail the same way, and that one's too, forever
        detail = f"{self.service} could not {self.doing} {what}: {type(error).__name__}"
        errors = [FieldError(field="", message=detail, type=PROCESSING_FAILED)]
        letter = DecodeError(
            ReasonCode.VALIDATION_FAILED,
            detail,
            field_errors=errors,
            event_type=_event_type(consumed.item),
        )
        await self.dead.send(self._kept(record), letter)

    def _own_dead_letter(self, item: object) -> bool:
        payload = getattr(item, "payload", None)
        return isinstance(payload, SubmissionRejected) and payload.rejected_by == self.service

    async def _refuse(self, refused: Sequence[tuple[KafkaRecord, DecodeError]]) -> None:
        await asyncio.gather(*(self.dead.send(self._kept(record), why) for record, why in refused))

    def _kept(self, record: KafkaRecord) -> KafkaRecord:
        limit, value = self.letter_bytes, record.value
        if limit is None or value is None or len(value) <= limit:
            return record
        cut: KafkaRecord = dataclasses.replace(cast(Any, record), value=value[:limit])
        return cut


def subscribe(
    broker: KafkaBroker,
    settings: ServiceSettings,
    pipeline: Pipeline[Any],
    inputs: Sequence[Input],
    *,
    group: str,
    batch_size: int,
    batch_wait_ms: int,
    co_partitioned: bool = True,
) -> Any:
    """Register the pipeline for batches of these topics in consumer group `group`.

    With `co_partitioned`, partition N of every topic goes to the same consumer (range
    assignment), so one complaint's events on several topics meet in one process.
    """
    strategy = RangePartitionAssignor if co_partitioned else RoundRobinPartitionAssignor

    @broker.subscriber(
        *(topic_name(wanted.spec, settings.topic_prefix) for wanted in inputs),
        group_id=group_id(settings, group),
        batch=True,
        max_records=batch_size,
        batch_timeout_ms=batch_wait_ms,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        decoder=_as_records,
        partition_assignment_strategy=(strategy,),
    )
    async def on_batch(message: KafkaMessage) -> None:
        raw = message.raw_message
        await pipeline(raw if isinstance(raw, tuple | list) else (raw,))

    return on_batch


async def _as_records(message: StreamMessage[Any]) -> Any:
    """FastStream's decoder hook: the pipeline decodes the records itself (by header first)."""
    return message.body


def _split(records: Sequence[KafkaRecord], count: int) -> list[Sequence[KafkaRecord]]:
    """Parts by message key, so messages with one key (one complaint, one submission) stay
    together and in order."""
    if count <= 1:
        return [records]
    parts: list[list[KafkaRecord]] = [[] for _ in range(count)]
    for record in records:
        parts[zlib.crc32(record.key or b"") % count].append(record)
    return [part for part in parts if part]


def _event_type(item: object) -> str | None:
    event_type = getattr(item, "event_type", None)
    return event_type if isinstance(event_type, str) else None
