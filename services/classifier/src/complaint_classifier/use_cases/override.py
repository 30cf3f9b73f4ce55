"""A person's reclassification: replaces the automatic result, published with who and why."""

import re

from complaint_events import ComplaintReclassified, Envelope

from ..domain import ReclassificationError, reclassify
from .context import Classifier, Refused
from .outcomes import commit, log, replay
from .records import Classified, Current, Outcome, Override, Status

_NAMED = re.compile(r"unknown (severity|category|department|flags)\b")


async def handle_reclassified(
    classifier: Classifier, event: Envelope[ComplaintReclassified]
) -> Classified | None:
    """The published manual `ComplaintClassified`, or None while the complaint itself has not
    been classified yet (the override is kept and applied when it is)."""
    complaint_id = event.complaint_id
    assert complaint_id is not None  # lifecycle events require it (envelope validation)
    done = await classifier.store.outcome(complaint_id, event.event_id)
    current = await classifier.store.current(complaint_id)
    if done is not None:
        return await replay(classifier, event, done, current)
    override = Override.of(event)
    if current is None or current.classification is None:
        await _keep_for_later(classifier, current or Current(complaint_id), override)
        return None
    policy = classifier.book.get(current.policy_id)
    if policy is None:
        raise Refused("complaint_id", f"policy {current.policy_id!r} is no longer configured")
    try:
        result = reclassify(policy, current.classification, **override.arguments())
    except ReclassificationError as error:
        classifier.metrics.overrides.labels("refused").inc()
        raise Refused(_blamed_field(str(error)), str(error)) from None
    classifier.metrics.overrides.labels("applied").inc()
    current = Current(complaint_id, overrides=(*current.overrides, override))
    return await commit(classifier, event, current, policy.id, result)


async def _keep_for_later(classifier: Classifier, current: Current, override: Override) -> None:
    pending = Current(current.complaint_id, pending=(*current.pending, override))
    await classifier.store.save_current(pending)
    await classifier.store.record_outcome(
        Outcome(current.complaint_id, override.event_id, Status.PENDING)
    )
    classifier.metrics.overrides.labels("pending").inc()
    log.info(
        "override kept until the complaint is classified",
        extra={"complaint_id": current.complaint_id, "reclassified_event_id": override.event_id},
    )


def _blamed_field(message: str) -> str:
    found = _NAMED.search(message)
    return f"payload.{found.group(1)}" if found else "payload"
