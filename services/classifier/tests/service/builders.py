"""Events as intake would publish them, built with the shared schema package."""

from datetime import UTC, datetime
from itertools import count
from typing import Any

from complaint_events import (
    ComplaintReceived,
    ComplaintReclassified,
    ComplaintSubmitted,
    Envelope,
    new_event,
    new_event_id,
)

AT = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
_numbers = count(1)


def received(
    description: str, *, source: str = "crm", at: datetime = AT, **fields: Any
) -> Envelope[ComplaintReceived]:
    number = next(_numbers)
    complainant = fields.pop("complainant", {"name": "张三", "phone": f"+86139{number:08d}"})
    submission = ComplaintSubmitted.model_validate(
        {
            "source_system": source,
            "external_reference": f"REF-{new_event_id()}",
            "channel": "hotline",
            "received_at": at,
            "description": description,
            "complainant": complainant,
            **fields,
        }
    )
    complaint_id = f"c-{new_event_id()}"
    payload = ComplaintReceived(
        complaint_id=complaint_id,
        complaint_number=f"TS-20250310-{number % 1_000_000:06d}",
        submission=submission,
    )
    return new_event(payload, producer="intake", correlation_id=f"corr-{complaint_id}")


def reclassified(
    complaint_id: str,
    severity: str,
    *,
    actor: str = "qa-lead",
    reason: str = "site visit",
    **kw: Any,
) -> Envelope[ComplaintReclassified]:
    payload = ComplaintReclassified(actor=actor, severity=severity, reason=reason, **kw)
    return new_event(payload, producer="intake", complaint_id=complaint_id)
