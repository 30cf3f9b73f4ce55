"""A received complaint: classified with its policy, counted, published once."""

import time
from collections.abc import Mapping
from dataclasses import dataclass

from complaint_events import ComplaintReceived, Envelope

from ..domain import (
    Classification,
    ClusterKey,
    Policy,
    ReclassificationError,
    apply_counts,
    classify,
    cluster_keys,
    may_replace,
    reclassify,
)
from .context import Classifier
from .outcomes import commit, log, settle
from .records import Classified, Current, Override, Status


@dataclass(frozen=True)
class Prepared:
    """A complaint classified by the rules, and the counters it adds to."""

    event: Envelope[ComplaintReceived]
    policy: Policy
    result: Classification
    keys: list[ClusterKey]


def prepare(classifier: Classifier, event: Envelope[ComplaintReceived]) -> Prepared:
    """The CPU part: the rules, before anything is counted or stored."""
    received = event.payload
    submitted = received.submission
    policy = classifier.book.for_submission(submitted.source_system, submitted.policy_id)
    submission = received.submission.model_dump(mode="json", exclude_none=True)
    started = time.thread_time()
    result = classify(policy, submission)
    classifier.metrics.classify_seconds.labels(policy.id).observe(time.thread_time() - started)
    at = received.submission.received_at or event.occurred_at
    keys = cluster_keys(policy, submission, result, complaint_id=received.complaint_id, at=at)
    return Prepared(event, policy, result, keys)


async def finish(
    classifier: Classifier,
    prepared: Prepared,
    counts: Mapping[ClusterKey, int],
    current: Current,
) -> tuple[Current, Classified | None]:
    """Counts applied, waiting overrides applied; published unless a manual result stands."""
    result = apply_counts(prepared.policy, prepared.result, counts)
    result, applied = _with_pending_overrides(classifier, prepared.policy, result, current)
    if current.classification is not None and not may_replace(current.classification, result):
        classifier.metrics.kept_manual.inc()
        return await settle(classifier, prepared.event, current, Status.KEPT_MANUAL), None
    current = Current(
        current.complaint_id,
        overrides=(*current.overrides, *applied),
        handled=current.handled,
        stored=current.stored,
    )
    return await commit(classifier, prepared.event, current, result)


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
