"""A person's reclassification: replaces the automatic result, published with who and why."""

import re
from dataclasses import replace

from complaint_events import ComplaintReclassified, Envelope

from ..domain import ReclassificationError, reclassify
from .context import Classifier, Refused
from .outcomes import commit, log, settle
from .records import Classified, Current, Override, Status

_NAMED = re.compile(r"unknown (severity|category|department|flags)\b")


async def override(
    classifier: Classifier, event: Envelope[ComplaintReclassified], current: Current
) -> tuple[Current, Classified | Refused | None]:
    """The manual result, published; None while the complaint itself has not been classified
    (the override waits in its record and applies when it is); `Refused` for names the
    complaint's policy does not declare."""
    change = Override.of(event)
    if current.classification is None:
        classifier.metrics.overrides.labels("pending").inc()
        log.info(
            "override kept until the complaint is classified",
            extra={"complaint_id": current.complaint_id, "reclassified_event_id": event.event_id},
        )
        waiting = replace(current, pending=(*current.pending, change))
        return await settle(classifier, event, waiting, Status.PENDING), None
    policy = classifier.book.get(current.policy_id)
    if policy is None:
        return current, Refused("complaint_id", f"policy {current.policy_id!r} is not configured")
    try:
        result = reclassify(policy, current.classification, **change.arguments())
    except ReclassificationError as error:
        classifier.metrics.overrides.labels("refused").inc()
        return current, Refused(_blamed_field(str(error)), str(error))
    classifier.metrics.overrides.labels("applied").inc()
    changed = Current(
        current.complaint_id,
        overrides=(*current.overrides, change),
        handled=current.handled,
        stored=current.stored,
    )
    return await commit(classifier, event, changed, result)


def _blamed_field(message: str) -> str:
    found = _NAMED.search(message)
    return f"payload.{found.group(1)}" if found else "payload"
