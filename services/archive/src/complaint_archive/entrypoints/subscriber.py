"""Every topic: batches of events into the log and the documents, through the runtime's
consumer pipeline (the offsets commit after the batch is stored).

One consumer group reads all topics with the range assignor, so partition N of every topic
(all six-partition topics hash a complaint id to the same N) goes to the same consumer: each
complaint's document has a single writer. Raw submissions that cannot be read are intake's to
dead-letter; the archive keeps the rejection intake publishes instead.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from complaint_events import SUBMITTED, TOPICS, Envelope
from complaint_runtime import Consumed, Input, Service, by_complaint

from ..service_layer import Archive, Delivered, archive_events
from .deps import Wiring

Handle = Callable[[Sequence[Consumed[Envelope[Any]]]], Awaitable[None]]
INPUTS = tuple(
    Input(spec, unreadable="skip") if spec == SUBMITTED else Input(spec) for spec in TOPICS
)


def consume_events(service: Service, wiring: Wiring) -> None:
    service.consume(
        *INPUTS,
        handle=handler(wiring.ready),
        doing="store",
        batch_size=wiring.metrics.batch_size.observe,
        group=by_complaint,
    )


def handler(ready: Callable[[], Archive]) -> Handle:
    """Archive a batch of events; the counts `archive_events` returns are not needed here."""

    async def handle(batch: Sequence[Consumed[Envelope[Any]]]) -> None:
        items = [
            Delivered(c.item, c.record.topic, c.record.partition, c.record.offset, c.record)
            for c in batch
        ]
        await archive_events(ready(), items)

    return handle
