"""Storing and publishing a result, and repeating it on a redelivery."""

import logging
from typing import Any

from complaint_events import ComplaintClassified, Envelope, new_event

from ..domain import Classification
from .context import PRODUCER, Classifier
from .records import Classified, Current, Outcome, Status, classification_from_payload

log = logging.getLogger("complaints.classifier")


async def commit(
    classifier: Classifier,
    cause: Envelope[Any],
    current: Current,
    policy_id: str,
    result: Classification,
) -> Classified:
    """The complaint's classification first, then the outcome of `cause`, then the event: a
    crash before the outcome is stored recomputes it (nothing was published yet); after, a
    redelivery publishes the stored event again with the same event id."""
    event = new_event(
        ComplaintClassified.model_validate(result.as_payload()),
        producer=PRODUCER,
        caused_by=cause,
    )
    await classifier.store.save_current(current.classified(policy_id, result, event.event_id))
    stored = await classifier.store.record_outcome(
        Outcome(current.complaint_id, cause.event_id, Status.PUBLISHED, event)
    )
    if stored.event is not None and stored.event.event_id != event.event_id:
        # another replica handled the same event meanwhile: its result is the one that counts
        event = stored.event
        theirs = classification_from_payload(event.payload.model_dump(mode="json"))
        await classifier.store.save_current(current.classified(policy_id, theirs, event.event_id))
        result = theirs
    await classifier.publisher.publish(event)
    classifier.metrics.published(result)
    log.info(
        "complaint classified",
        extra={
            "complaint_id": current.complaint_id,
            "classified_event_id": event.event_id,
            "policy_id": policy_id,
            "severity": result.severity,
            "category": result.category,
            "rules": [rule.rule_id for rule in result.matched_rules],
            "manual": result.manual,
        },
    )
    return event


async def replay(
    classifier: Classifier, cause: Envelope[Any], done: Outcome, current: Current | None
) -> Classified | None:
    """A redelivered event: publish what it produced the first time (same event id), never an
    automatic result over a manual one that came since."""
    classifier.metrics.replays.labels(cause.event_type).inc()
    event = done.event
    if event is None:
        return None
    if current is not None and current.manual and not event.payload.manual:
        return None
    await classifier.publisher.publish(event)
    return event
