"""The subscriber of the classified topic: each complaint's first lifecycle state comes from
the classifier's acceptance decision (accept, transfer, refuse), its policy from the policy id.

Offsets commit after every classification in the batch is stored. A message that cannot be
read is skipped here: the archive dead-letters what it cannot read on every topic.
"""

import logging
from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaBroker

from complaint_events import CLASSIFIED, ComplaintClassified, DecodeError, Envelope, decode
from complaint_runtime import batch_subscriber

from ..adapters.retrying import persistently
from ..service_layer.commands import take_classifications
from .deps import Wiring

PURPOSE = "intake.lifecycle"  # its own consumer group beside the submissions'
log = logging.getLogger("complaints.intake.classifications")


def subscribe_classifications(broker: KafkaBroker, wiring: Wiring) -> None:
    settings = wiring.settings

    @batch_subscriber(
        broker,
        settings,
        PURPOSE,
        CLASSIFIED,
        batch_size=settings.kafka_batch_size,
        batch_wait_ms=settings.kafka_batch_wait_ms,
        co_partitioned=False,
    )
    async def on_classified(records: Sequence[Any]) -> None:
        events = [event for record in records if (event := _read(record)) is not None]
        if events:
            await persistently("take classifications", lambda: _take(wiring, events))


async def _take(wiring: Wiring, events: list[Envelope[Any]]) -> None:
    intake, _ = wiring.ready()
    await take_classifications(intake, events)


def _read(record: Any) -> Envelope[Any] | None:
    try:
        event = decode(record.value or b"", list(record.headers or ()))
    except DecodeError as error:
        log.warning("unreadable classification skipped", extra={"reason": error.reason_code})
        return None
    if not isinstance(event.payload, ComplaintClassified) or event.complaint_id is None:
        return None
    return event
