from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import uuid_utils
from pydantic import ValidationError

from complaint_events import (
    ComplaintAcknowledged,
    ComplaintReceived,
    Envelope,
    envelope_type,
    field_errors_from,
    new_event,
)
from complaint_events.examples import COMPLAINT_ID, example_payloads, example_submission

pytestmark = pytest.mark.unit


def acknowledged() -> ComplaintAcknowledged:
    return ComplaintAcknowledged(actor="qa-lead")


def test_new_event_fills_metadata_from_the_payload() -> None:
    event = new_event(acknowledged(), producer="intake", complaint_id=COMPLAINT_ID)

    assert event.event_type == "ComplaintAcknowledged"
    assert event.schema_version == 1
    assert event.producer == "intake"
    assert event.complaint_id == COMPLAINT_ID
    assert event.occurred_at.tzinfo is UTC
    assert isinstance(event, Envelope[ComplaintAcknowledged])


def test_event_ids_are_uuid7_and_ordered_by_creation() -> None:
    ids = [
        new_event(acknowledged(), producer="intake", complaint_id="c").event_id for _ in range(50)
    ]

    assert len(set(ids)) == 50
    assert ids == sorted(ids)
    assert all(uuid_utils.UUID(event_id).version == 7 for event_id in ids)


def test_first_event_of_a_chain_correlates_with_itself() -> None:
    event = new_event(example_submission(), producer="intake")

    assert event.correlation_id == event.event_id
    assert event.causation_id is None
    assert event.complaint_id is None


def test_caused_event_inherits_correlation_and_complaint() -> None:
    cause = new_event(acknowledged(), producer="intake", complaint_id=COMPLAINT_ID)
    effect = new_event(acknowledged(), producer="notifier", caused_by=cause)

    assert effect.correlation_id == cause.correlation_id
    assert effect.causation_id == cause.event_id
    assert effect.complaint_id == COMPLAINT_ID


def test_explicit_correlation_wins_over_the_cause() -> None:
    cause = new_event(acknowledged(), producer="intake", complaint_id=COMPLAINT_ID)
    effect = new_event(acknowledged(), producer="intake", caused_by=cause, correlation_id="req-7")

    assert effect.correlation_id == "req-7"


def test_received_takes_its_complaint_id_from_the_payload() -> None:
    received = example_payloads()["ComplaintReceived"]
    assert isinstance(received, ComplaintReceived)

    event = new_event(received, producer="intake")

    assert event.complaint_id == received.complaint_id


def test_received_envelope_must_agree_with_the_payload_complaint_id() -> None:
    received = example_payloads()["ComplaintReceived"]

    with pytest.raises(ValidationError) as caught:
        new_event(received, producer="intake", complaint_id="another-complaint")

    assert [error.field for error in field_errors_from(caught.value)] == ["complaint_id"]


def test_occurred_at_is_normalised_to_utc() -> None:
    beijing = datetime(2024, 5, 6, 9, 30, tzinfo=timezone(timedelta(hours=8)))

    event = new_event(acknowledged(), producer="intake", complaint_id="c", occurred_at=beijing)

    assert event.occurred_at == beijing
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert event.occurred_at.hour == 1


def envelope_fields(**changes: Any) -> dict[str, Any]:
    event = new_event(acknowledged(), producer="intake", complaint_id=COMPLAINT_ID)
    return event.model_dump() | changes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": datetime(2024, 5, 6, 9, 30)}, "occurred_at"),
        ({"complaint_id": None}, "complaint_id"),
        ({"event_type": "ComplaintClosed"}, "event_type"),
        ({"schema_version": 2}, "schema_version"),
        ({"schema_version": 0}, "schema_version"),
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"event_id": "01a1fcf2-3bca-40a3-8860-08cfce1e58aa"}, "event_id"),
        ({"producer": "Intake Service"}, "producer"),
        ({"correlation_id": ""}, "correlation_id"),
        ({"complaint_id": "has space"}, "complaint_id"),
    ],
)
def test_invalid_envelope_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        envelope_type(ComplaintAcknowledged).model_validate(envelope_fields(**changes))

    assert field in [error.field for error in field_errors_from(caught.value)]


def test_envelope_is_immutable() -> None:
    event = new_event(acknowledged(), producer="intake", complaint_id=COMPLAINT_ID)

    with pytest.raises(ValidationError):
        event.producer = "someone-else"  # type: ignore[misc]
