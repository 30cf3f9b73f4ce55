"""The received, classified and lifecycle topics, through the runtime's consumer pipeline.

One consumer group reads the three topics with the range assignor, so partition N of each
(every topic hashes a complaint id to the same N) goes to the same consumer: each complaint
has a single writer. A batch's complaints are recorded together (their database writes
shared); the offsets commit only after every event was recorded and its schedule changes and
deadline events were carried out, or dead-lettered. A batch that fails for another reason
than an unavailable dependency is taken apart by the pipeline, complaint by complaint and
then event by event, down to the culprit. Events without a complaint are passed by.
"""

from collections.abc import Sequence
from typing import Any

from complaint_events import CLASSIFIED, LIFECYCLE, RECEIVED, Envelope
from complaint_runtime import Consumed, Input, Service, by_complaint

from ..service_layer import record_batch
from .deps import Wiring

INPUTS = (Input(RECEIVED), Input(CLASSIFIED), Input(LIFECYCLE))


def consume_events(service: Service, wiring: Wiring) -> None:
    async def handle(batch: Sequence[Consumed[Envelope[Any]]]) -> None:
        events: dict[str, list[Envelope[Any]]] = {}
        for consumed in batch:
            if consumed.item.complaint_id is not None:
                events.setdefault(consumed.item.complaint_id, []).append(consumed.item)
        if events:
            await record_batch(wiring.ready(), events)

    service.consume(*INPUTS, handle=handle, doing="plan", group=by_complaint)
