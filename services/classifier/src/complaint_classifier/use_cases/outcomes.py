"""Storing and publishing a result, and repeating it on a redelivery."""

import logging
from typing import Any

from complaint_events import ComplaintClassified, Envelope, new_event

from ..domain import Classification
from .context import PRODUCER, Classifier
from .records import Classified, Current, Outcome, Status, classification_from_payload

log = logging.getLogger("complaints.classifier")


async def commit(
    classifier: Classifier, cause: Envelope[Any], current: Current, result: Classification
) -> tuple[Current, Classified]:
    """The outcome of `cause` first (unique per event: whoever stores it first decides the
    result), then the complaint's record, then the event. After a crash, a redelivery finds
    the outcome and publishes the same event again."""
    event = new_event(
        ComplaintClassified.model_validate(result.as_payload()),
        producer=PRODUCER,
        caused_by=cause,
    )
    stored = await classifier.store.record_outcome(
        Outcome(current.complaint_id, cause.event_id, Status.PUBLISHED, event)
    )
    if stored.event is not None and stored.event.event_id != event.event_id:
        event = stored.event  # another replica handled the same event meanwhile
        result = classification_from_payload(event.payload.model_dump(mode="json"))
    current = current.after(
        cause.event_id,
        policy_id=result.policy_id,
        classification=result,
        event_id=event.event_id,
        pending=(),
    )
    current = await classifier.store.save_current(current)
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
    await classifier.store.record_outcome(Outcome(current.complaint_id, cause.event_id, status))
    return await classifier.store.save_current(current.after(cause.event_id))


async def replay(
    classifier: Classifier, cause: Envelope[Any], current: Current
) -> Classified | None:
    """A redelivered event: publish what it produced the first time (same event id), never an
    automatic result over a manual one that came since."""
    classifier.metrics.replays.labels(cause.event_type).inc()
    done = await classifier.store.outcome(current.complaint_id, cause.event_id)
    event = done.event if done is not None else None
    if event is None or (current.manual and not event.payload.manual):
        return None
    await classifier.publisher.publish(event)
    return event
