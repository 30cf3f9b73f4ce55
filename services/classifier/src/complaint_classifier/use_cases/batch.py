"""A consumed batch: every complaint's record read at once, every counter counted at once,
then each complaint's events handled in order (complaints concurrently).

Reads are batched because they are what costs on a MongoDB-protocol server; the results are
the same as handling the events one by one in the order given.
"""

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from complaint_events import ComplaintReceived, Envelope

from ..domain import ClusterKey
from .classify import Prepared, finish, prepare
from .context import Classifier, Refused
from .outcomes import replay
from .override import override
from .records import Classified, Current

Handled = Classified | Refused | None
Counted = tuple[Prepared, Mapping[ClusterKey, int]]


async def handle_batch(
    classifier: Classifier, events: Sequence[Envelope[Any]], *, concurrency: int = 32
) -> list[Handled]:
    """For each event (ComplaintReceived or ComplaintReclassified, in consumption order): the
    published ComplaintClassified, None when nothing is published, or why it was refused."""
    positions: dict[str, list[int]] = {}
    for position, event in enumerate(events):
        positions.setdefault(_complaint_id(event), []).append(position)
    stored = await classifier.store.currents(positions)
    records = {cid: stored.get(cid) or Current(cid) for cid in positions}
    counted = await _counted(classifier, events, records)
    results: dict[int, Handled] = {}
    slots = asyncio.Semaphore(concurrency)

    async def in_order(cid: str) -> None:
        async with slots:
            for position in positions[cid]:
                records[cid], results[position] = await _one(
                    classifier, events[position], records[cid], counted.get(position)
                )

    await asyncio.gather(*(in_order(cid) for cid in positions))
    return [results[position] for position in range(len(events))]


async def _counted(
    classifier: Classifier, events: Sequence[Envelope[Any]], records: Mapping[str, Current]
) -> dict[int, Counted]:
    """New complaints classified by the rules and counted, by position in the batch."""
    prepared = {
        position: prepare(classifier, event)
        for position, event in enumerate(events)
        if _is_received(event) and not records[_complaint_id(event)].has_handled(event.event_id)
    }
    counts = await classifier.counters.add_all(
        [(item.event.payload.complaint_id, item.keys) for item in prepared.values()]
    )
    return {
        position: (item, found)
        for (position, item), found in zip(prepared.items(), counts, strict=True)
    }


async def _one(
    classifier: Classifier, event: Envelope[Any], current: Current, counted: Counted | None
) -> tuple[Current, Handled]:
    if current.has_handled(event.event_id):
        return current, await replay(classifier, event, current)
    if counted is None:
        return await override(classifier, event, current)
    prepared, counts = counted
    return await finish(classifier, prepared, counts, current)


def _is_received(event: Envelope[Any]) -> bool:
    return event.event_type == ComplaintReceived.event_type


def _complaint_id(event: Envelope[Any]) -> str:
    assert event.complaint_id is not None  # both event types require it
    return event.complaint_id


async def handle(classifier: Classifier, event: Envelope[Any]) -> Handled:
    """One event on its own (a batch of one)."""
    (handled,) = await handle_batch(classifier, [event])
    return handled
