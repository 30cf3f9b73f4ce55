"""Storing and publishing a result, and repeating it on a redelivery."""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from complaint_events import ComplaintClassified, Envelope, new_event

from ..domain import Classification
from .context import PRODUCER, Classifier
from .records import Classified, Current, Outcome, Status, classification_from_payload

log = logging.getLogger("complaints.classifier")


def classified_event(cause: Envelope[Any], result: Classification) -> Classified:
    return new_event(
        ComplaintClassified.model_validate(result.as_payload()),
        producer=PRODUCER,
        caused_by=cause,
    )


@dataclass(frozen=True)
class First:
    """A complaint's first result, ready to be stored and published."""

    cause: Envelope[Any]
    result: Classification
    event: Classified
    current: Current


def first(cause: Envelope[Any], result: Classification) -> First:
    event = classified_event(cause, result)
    assert cause.complaint_id is not None
    current = Current(cause.complaint_id).classified(cause.event_id, result, event)
    return First(cause, result, event, current)


async def first_times(
    classifier: Classifier, items: Sequence[First], *, concurrency: int
) -> list[Classified | None]:
    """The common case, with no read and two batched inserts: the complaints' records created
    with their first results, then the outcomes, then the events. None for a complaint that
    has a record (an override waiting, a redelivery, a second ComplaintReceived): the caller
    reads it and decides."""
    created = await classifier.store.create_all([item.current for item in items])
    mine = [item for item, new in zip(items, created, strict=True) if new]
    stored = await classifier.store.record_outcomes([_outcome(item) for item in mine])
    mine = [
        await _theirs(classifier, item, found) for item, found in zip(mine, stored, strict=True)
    ]
    slots = asyncio.Semaphore(concurrency)

    async def publish(item: First) -> None:
        async with slots:
            await _published(classifier, item.current, item.event, item.result)

    await asyncio.gather(*(publish(item) for item in mine))
    events = {item.cause.event_id: item.event for item in mine}
    return [events.get(item.cause.event_id) for item in items]


def _outcome(item: First) -> Outcome:
    return Outcome(item.current.complaint_id, item.cause.event_id, Status.PUBLISHED, item.event)


async def _theirs(classifier: Classifier, item: First, stored: Outcome) -> First:
    """The item, or the result an earlier attempt stored for the same event (it crashed before
    the complaint's record was written): that result stands, never two for one event."""
    if stored.event is None or stored.event.event_id == item.event.event_id:
        return item
    result = classification_from_payload(stored.event.payload.model_dump(mode="json"))
    current = Current(item.current.complaint_id).classified(
        item.cause.event_id, result, stored.event
    )
    await classifier.store.save(replace(current, stored=True))
    return First(item.cause, result, stored.event, current)


async def commit(
    classifier: Classifier, cause: Envelope[Any], current: Current, result: Classification
) -> tuple[Current, Classified]:
    """The outcome of `cause` first (unique per event: whoever stores it first decides the
    result), then the complaint's record, then the event. After a crash, a redelivery finds
    the outcome and publishes the same event again."""
    event = classified_event(cause, result)
    (stored,) = await classifier.store.record_outcomes(
        [Outcome(current.complaint_id, cause.event_id, Status.PUBLISHED, event)]
    )
    if stored.event is not None and stored.event.event_id != event.event_id:
        event = stored.event  # another replica handled the same event meanwhile
        result = classification_from_payload(event.payload.model_dump(mode="json"))
    current = await classifier.store.save(current.classified(cause.event_id, result, event))
    return await _published(classifier, current, event, result)


async def _published(
    classifier: Classifier, current: Current, event: Classified, result: Classification
) -> tuple[Current, Classified]:
    await classifier.publisher.publish(event)
    classifier.metrics.published(result)
    log.info(
        "complaint classified",
        extra={
            "complaint_id": current.complaint_id,
            "classified_event_id": event.event_id,
            "policy_id": result.policy_id,
            "severity": result.severity,
            "category": result.category,
            "rules": [rule.rule_id for rule in result.matched_rules],
            "manual": result.manual,
        },
    )
    return current, event


async def settle(
    classifier: Classifier, cause: Envelope[Any], current: Current, status: Status
) -> Current:
    """An event handled without publishing anything (kept manual, pending override)."""
    await classifier.store.record_outcomes([Outcome(current.complaint_id, cause.event_id, status)])
    return await classifier.store.save(current.after(cause.event_id))


async def replay(
    classifier: Classifier, cause: Envelope[Any], current: Current
) -> Classified | None:
    """A redelivered event: publish what it produced the first time (same event id), never an
    automatic result over a manual one that came since."""
    classifier.metrics.replays.labels(cause.event_type).inc()
    event = _produced_by(cause, current)
    if event is None:
        done = await classifier.store.outcome(current.complaint_id, cause.event_id)
        event = done.event if done is not None else None
    if event is None or (current.manual and not event.payload.manual):
        return None
    await classifier.publisher.publish(event)
    return event


def _produced_by(cause: Envelope[Any], current: Current) -> Classified | None:
    """The record's own event when `cause` produced it (no outcome to read)."""
    event = current.event
    return event if event is not None and event.causation_id == cause.event_id else None
