"""A received complaint: classified with its policy, counted, published once."""

import time

from complaint_events import ComplaintReceived, Envelope

from ..domain import (
    Classification,
    Policy,
    ReclassificationError,
    apply_counts,
    classify,
    cluster_keys,
    may_replace,
    reclassify,
)
from .context import Classifier
from .outcomes import commit, log, replay
from .records import Classified, Current, Outcome, Override, Status


async def handle_received(
    classifier: Classifier, event: Envelope[ComplaintReceived]
) -> Classified | None:
    """The published `ComplaintClassified`, or None when a manual classification stands."""
    complaint_id = event.payload.complaint_id
    done = await classifier.store.outcome(complaint_id, event.event_id)
    current = await classifier.store.current(complaint_id)
    if done is not None:
        return await replay(classifier, event, done, current)
    current = current or Current(complaint_id)
    policy = classifier.book.for_source(event.payload.submission.source_system)
    result = await _counted(classifier, policy, event)
    result, applied = _with_pending_overrides(classifier, policy, result, current)
    if current.classification is not None and not may_replace(current.classification, result):
        classifier.metrics.kept_manual.inc()
        await classifier.store.record_outcome(
            Outcome(complaint_id, event.event_id, Status.KEPT_MANUAL)
        )
        return None
    current = Current(complaint_id, overrides=(*current.overrides, *applied))
    return await commit(classifier, event, current, policy.id, result)


async def _counted(
    classifier: Classifier, policy: Policy, event: Envelope[ComplaintReceived]
) -> Classification:
    submission = event.payload.submission.model_dump(mode="json", exclude_none=True)
    started = time.process_time()
    result = classify(policy, submission)
    classifier.metrics.classify_seconds.labels(policy.id).observe(time.process_time() - started)
    complaint_id = event.payload.complaint_id
    at = event.payload.submission.received_at or event.occurred_at
    keys = cluster_keys(policy, submission, result, complaint_id=complaint_id, at=at)
    counts = {key: await classifier.counters.add(key, complaint_id=complaint_id) for key in keys}
    return apply_counts(policy, result, counts)


def _with_pending_overrides(
    classifier: Classifier, policy: Policy, result: Classification, current: Current
) -> tuple[Classification, tuple[Override, ...]]:
    """Overrides that arrived before the complaint apply now, in the order they came."""
    applied = []
    for override in current.pending:
        try:
            result = reclassify(policy, result, **override.arguments())
        except ReclassificationError as error:
            classifier.metrics.overrides.labels("refused").inc()
            log.warning(
                "pending override refused",
                extra={"reclassified_event_id": override.event_id, "error": str(error)},
            )
            continue
        classifier.metrics.overrides.labels("applied").inc()
        applied.append(override)
    return result, tuple(applied)
