"""Received complaints and reclassifications in, classifications or dead letters out, through
the runtime's consumer pipeline.

One consumer group reads both topics with the range assignor, so partition N of each (both
have the same partition count and are keyed by complaint id) goes to the same consumer: a
complaint's classification has one writer. A batch's complaints are handled concurrently,
each complaint's events in order.
"""

import time
from collections.abc import Callable, Sequence
from typing import Any

from complaint_events import (
    LIFECYCLE,
    RECEIVED,
    ComplaintReceived,
    ComplaintReclassified,
    DecodeError,
    Envelope,
    FieldError,
    ReasonCode,
)
from complaint_runtime import Consumed, Input, Service, by_complaint

from ..service_layer import Classifier, Refused, handle_batch
from .deps import Wiring

INPUTS = (
    Input(RECEIVED, events=frozenset({ComplaintReceived.event_type}), others="refuse"),
    Input(LIFECYCLE, events=frozenset({ComplaintReclassified.event_type})),
)


def consume_events(service: Service, wiring: Wiring) -> None:
    service.consume(
        *INPUTS,
        handle=handler(wiring.ready, concurrency=wiring.settings.concurrency),
        doing="classify",
        group=by_complaint,
        batch_size=wiring.metrics.batch_size.observe,
    )


def handler(ready: Callable[[], Classifier], *, concurrency: int) -> Any:
    async def handle(batch: Sequence[Consumed[Envelope[Any]]]) -> list[DecodeError | None]:
        classifier = ready()
        started = time.perf_counter()
        events = [consumed.item for consumed in batch]
        results = await handle_batch(classifier, events, concurrency=concurrency)
        elapsed = time.perf_counter() - started
        for event in events:
            classifier.metrics.handling_seconds.labels(event.event_type).observe(elapsed)
        return [_refusal(result) if isinstance(result, Refused) else None for result in results]

    return handle


def _refusal(refused: Refused) -> DecodeError:
    errors = [FieldError(field=refused.field, message=refused.message, type="refused")]
    return DecodeError(ReasonCode.VALIDATION_FAILED, refused.message, field_errors=errors)
