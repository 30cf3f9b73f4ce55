"""A consumed batch: counters counted at once, then each complaint's events in order
(complaints concurrently).

The common case, a complaint's first ComplaintReceived alone in its batch, reads nothing: the
records of all such complaints are created by one insert that fails where one exists, their
outcomes stored by another. Only the other complaints' records are read, in one query. Reads
and single writes are what costs on a MongoDB-protocol server that scans and serialises
writes; the results are those of handling the events one by one in the order given.
"""

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from complaint_events import ComplaintReceived, Envelope

from ..domain import ClusterKey, apply_counts
from .classify import Prepared, finish, prepare
from .context import Classifier, Refused
from .outcomes import first, first_times, replay
from .override import override
from .records import Classified, Current

Handled = Classified | Refused | None
Counted = tuple[Prepared, Mapping[ClusterKey, int]]
Positions = dict[str, list[int]]  # complaint id -> its events' positions in the batch


async def handle_batch(
    classifier: Classifier, events: Sequence[Envelope[Any]], *, concurrency: int = 32
) -> list[Handled]:
    """For each event (ComplaintReceived or ComplaintReclassified, in consumption order): the
    published ComplaintClassified, None when nothing is published, or why it was refused."""
    positions: Positions = {}
    for position, event in enumerate(events):
        positions.setdefault(_complaint_id(event), []).append(position)
    counted = await _counted(classifier, events)
    results = await _firsts(classifier, events, positions, counted, concurrency)
    rest = {cid: found for cid, found in positions.items() if found[0] not in results}
    if rest:
        results |= await _with_records(classifier, events, rest, counted, concurrency)
    return [results[position] for position in range(len(events))]


async def _counted(classifier: Classifier, events: Sequence[Envelope[Any]]) -> dict[int, Counted]:
    """Every ComplaintReceived classified by the rules and counted, by position in the batch
    (a redelivered one adds nothing to its counters: it is a member already)."""
    prepared = {
        position: prepare(classifier, event)
        for position, event in enumerate(events)
        if _is_received(event)
    }
    counts = await classifier.counters.add_all(
        [(item.event.payload.complaint_id, item.keys) for item in prepared.values()]
    )
    return {
        position: (item, found)
        for (position, item), found in zip(prepared.items(), counts, strict=True)
    }


async def _firsts(
    classifier: Classifier,
    events: Sequence[Envelope[Any]],
    positions: Positions,
    counted: dict[int, Counted],
    concurrency: int,
) -> dict[int, Handled]:
    """The results of complaints seen for the first time (none for the others)."""
    alone = [found[0] for found in positions.values() if len(found) == 1 and found[0] in counted]
    items = []
    for position in alone:
        prepared, counts = counted[position]
        result = apply_counts(prepared.policy, prepared.result, counts)
        items.append(first(events[position], result))
    published = await first_times(classifier, items, concurrency=concurrency)
    return {p: event for p, event in zip(alone, published, strict=True) if event is not None}


async def _with_records(
    classifier: Classifier,
    events: Sequence[Envelope[Any]],
    positions: Positions,
    counted: dict[int, Counted],
    concurrency: int,
) -> dict[int, Handled]:
    """Complaints with a record (or several events here): read, then their events in order."""
    stored = await classifier.store.currents(positions)
    results: dict[int, Handled] = {}
    slots = asyncio.Semaphore(concurrency)

    async def in_order(cid: str) -> None:
        current = stored.get(cid) or Current(cid)
        async with slots:
            for position in positions[cid]:
                current, results[position] = await _one(
                    classifier, events[position], current, counted.get(position)
                )

    await asyncio.gather(*(in_order(cid) for cid in positions))
    return results


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
