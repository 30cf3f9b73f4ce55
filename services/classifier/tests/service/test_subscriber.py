"""The subscriber's handling of a batch: refusals and unexpected failures are dead-lettered
one event at a time, the rest of the batch is classified."""

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from complaint_classifier.entrypoints.subscriber import handler
from complaint_events import DecodeError
from complaint_runtime import Consumed, Pipeline, by_complaint

from .builders import received, reclassified
from .fakes import memory_classifier

pytestmark = pytest.mark.unit

DEATH = "我爸在ICU抢救三天后去世，医院至今没给一个说法，我们准备联系电视台。"


@dataclass
class Dead:
    sent: list[tuple[Any, DecodeError]] = field(default_factory=list)

    async def send(self, record: Any, error: DecodeError) -> None:
        self.sent.append((record, error))


def delivered(event: Any) -> Consumed[Any]:
    return Consumed(event, SimpleNamespace(topic="t", partition=0, offset=0, value=b"{}"))  # type: ignore[arg-type]


async def _handled(
    classifier: Any, items: list[Consumed[Any]], dead: Any, concurrency: int
) -> None:
    """The subscriber's handler in the runtime's pipeline, on events already decoded."""
    handle = handler(lambda: classifier, concurrency=concurrency)
    pipeline = Pipeline("classifier", lambda record: None, handle, dead, group=by_complaint)
    await pipeline.settle(items)


async def test_a_failing_event_is_dead_lettered_and_the_rest_of_its_batch_goes_through():
    classifier, store, _, publisher = memory_classifier()
    good, bad, other = (received(DEATH, source="his") for _ in range(3))
    refused = reclassified(other.payload.complaint_id, "class_9")
    create_all = store.create_all

    async def failing_for_bad(currents: Any) -> list[bool]:
        if any(c.complaint_id == bad.payload.complaint_id for c in currents):
            raise ValueError("a bug")
        return await create_all(currents)

    store.create_all = failing_for_bad  # type: ignore[method-assign]
    items = [delivered(e) for e in (good, bad, other, refused)]
    dead = Dead()

    await _handled(classifier, items, dead, concurrency=4)  # type: ignore[arg-type]

    published = {event.complaint_id for event in publisher.published}
    assert published == {good.payload.complaint_id, other.payload.complaint_id}
    reasons = {record is items[1].record: error for record, error in dead.sent}
    assert "ValueError" in reasons[True].detail
    assert [e.field for e in reasons[False].field_errors] == ["payload.severity"]
    assert len(dead.sent) == 2
