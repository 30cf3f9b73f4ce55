"""The classified topic: each complaint's first lifecycle state comes from the classifier's
acceptance decision (accept, transfer, refuse), its policy from the policy id.

Its own consumer group beside the submissions'. A message that cannot be read is passed by
here: the archive dead-letters what it cannot read on every topic.
"""

from collections.abc import Sequence
from typing import Any

from complaint_events import CLASSIFIED, ComplaintClassified, Envelope
from complaint_runtime import Consumed, Input, Service

from ..service_layer import take_classifications
from .deps import Wiring

GROUP = "intake.lifecycle"


def consume_classifications(service: Service, wiring: Wiring) -> None:
    async def handle(batch: Sequence[Consumed[Envelope[Any]]]) -> None:
        intake, _ = wiring.ready()
        events = [consumed.item for consumed in batch if consumed.item.complaint_id is not None]
        await take_classifications(intake, events)

    service.consume(
        Input(
            CLASSIFIED,
            events=frozenset({ComplaintClassified.event_type}),
            unreadable="skip",
        ),
        handle=handle,
        doing="take the classification of",
        consumer_group=GROUP,
        co_partitioned=False,
    )
