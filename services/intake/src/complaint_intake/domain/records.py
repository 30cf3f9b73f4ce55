"""What intake remembers of a submission, and the one `ComplaintReceived` it stands for.

The reservation is stored before anything is published and holds every id and time the event
needs, so a retry after a crash republishes the same event (same `event_id`), never a new one.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from complaint_events import (
    ComplaintReceived,
    ComplaintSubmitted,
    Envelope,
    envelope_type,
    new_event_id,
)

from .normalise import Normalised
from .parsing import Incoming

PRODUCER = "intake"
RECEIVED_ENVELOPE = envelope_type(ComplaintReceived)  # parametrised once, not per event


@dataclass(frozen=True)
class Reservation:
    key: str  # "<source_system>|<external_reference>": the idempotency key
    source_system: str
    complaint_id: str
    complaint_number: str
    received_event_id: str
    received_at: datetime  # the default for a submission that gave none
    occurred_at: datetime
    correlation_id: str
    causation_id: str | None
    fingerprint: str  # of the submission as first accepted; a different one is a conflict


@dataclass(frozen=True)
class Receipt:
    """The answer to a submission: the complaint it became, and whether it was known before."""

    complaint_id: str
    complaint_number: str
    received_event_id: str
    duplicate: bool


def submission_key(submission: ComplaintSubmitted) -> str:
    """Unambiguous: "|" cannot occur in either part ("/" can, so "a/b" + "c" ≠ "a" + "b/c")."""
    return reference_key(submission.source_system, submission.external_reference)


def reference_key(source_system: str, external_reference: str) -> str:
    return f"{source_system}|{external_reference}"


def fingerprint(submission: ComplaintSubmitted) -> str:
    """Same content, same fingerprint, however the JSON was spaced or its keys ordered."""
    return hashlib.sha256(submission.model_dump_json().encode("utf-8")).hexdigest()


def new_reservation(incoming: Incoming, complaint_number: str, now: datetime) -> Reservation:
    """Fresh ids; times cut to milliseconds, the precision the store keeps them in, so the
    event rebuilt from a stored reservation is the same to the byte."""
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    event_id = new_event_id()
    return Reservation(
        key=submission_key(incoming.submission),
        source_system=incoming.submission.source_system,
        complaint_id=new_event_id(),  # a UUIDv7 too: unique and time-ordered
        complaint_number=complaint_number,
        received_event_id=event_id,
        received_at=now,
        occurred_at=now,
        correlation_id=incoming.correlation_id or event_id,
        causation_id=incoming.causation_id,
        fingerprint=fingerprint(incoming.submission),
    )


def receipt(reservation: Reservation, *, duplicate: bool) -> Receipt:
    return Receipt(
        reservation.complaint_id,
        reservation.complaint_number,
        reservation.received_event_id,
        duplicate,
    )


def received_event(reservation: Reservation, normalised: Normalised) -> Envelope[Any]:
    """The `ComplaintReceived` of a reservation: the same bytes however often it is built."""
    payload = ComplaintReceived(
        complaint_id=reservation.complaint_id,
        complaint_number=reservation.complaint_number,
        submission=normalised.submission,
        language=normalised.language,
    )
    return RECEIVED_ENVELOPE(
        event_id=reservation.received_event_id,
        event_type=ComplaintReceived.event_type,
        schema_version=ComplaintReceived.schema_version,
        occurred_at=reservation.occurred_at,
        complaint_id=reservation.complaint_id,
        correlation_id=reservation.correlation_id,
        causation_id=reservation.causation_id,
        producer=PRODUCER,
        payload=payload,
    )
