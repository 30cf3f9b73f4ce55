"""Every model refuses bad input and names the field; boundary values pass."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from complaint_events import (
    EVENT_TYPES,
    LIFECYCLE_EVENTS,
    LONG_TEXT_MAX,
    ComplaintSubmitted,
    LifecycleEvent,
    field_errors_from,
)
from complaint_events.examples import example_payloads

pytestmark = pytest.mark.unit

DELETE = object()
NAIVE = "2024-05-06T09:30:00"


def example_json(event_type: str) -> dict[str, Any]:
    data: dict[str, Any] = example_payloads()[event_type].model_dump(mode="json")
    return data


def changed(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node: Any = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


def rejected_fields(event_type: str, path: str, value: Any) -> list[str]:
    data = changed(example_json(event_type), path, value)
    with pytest.raises(ValidationError) as caught:
        EVENT_TYPES[event_type].model_validate(data)
    return [error.field for error in field_errors_from(caught.value)]


INVALID = [
    ("ComplaintSubmitted", "description", "", "description"),
    ("ComplaintSubmitted", "description", " \n\t\u3000", "description"),
    ("ComplaintSubmitted", "description", "投" * (LONG_TEXT_MAX + 1), "description"),
    ("ComplaintSubmitted", "description", DELETE, "description"),
    ("ComplaintSubmitted", "source_system", "crm system", "source_system"),
    ("ComplaintSubmitted", "external_reference", "x" * 129, "external_reference"),
    ("ComplaintSubmitted", "external_reference", DELETE, "external_reference"),
    ("ComplaintSubmitted", "channel", "carrier_pigeon", "channel"),
    ("ComplaintSubmitted", "kind", "rant", "kind"),
    ("ComplaintSubmitted", "received_at", NAIVE, "received_at"),
    ("ComplaintSubmitted", "title", "t" * 2_001, "title"),
    ("ComplaintSubmitted", "language", "Chinese!", "language"),
    ("ComplaintSubmitted", "complainant", {}, "complainant.anonymous"),
    ("ComplaintSubmitted", "complainant.type", "alien", "complainant.type"),
    ("ComplaintSubmitted", "complainant.phone", "1" * 41, "complainant.phone"),
    ("ComplaintSubmitted", "complainant.email", "a" * 255, "complainant.email"),
    ("ComplaintSubmitted", "complainant.name", "   ", "complainant.name"),
    ("ComplaintSubmitted", "respondent.organisation", "o" * 201, "respondent.organisation"),
    ("ComplaintSubmitted", "product.expiry_date", "2026-13-01", "product.expiry_date"),
    ("ComplaintSubmitted", "product.quantity", "-1", "product.quantity"),
    ("ComplaintSubmitted", "occurrence.occurred_at", NAIVE, "occurrence.occurred_at"),
    ("ComplaintSubmitted", "request.amount", "-0.01", "request.amount"),
    ("ComplaintSubmitted", "request.amount", "NaN", "request.amount"),
    ("ComplaintSubmitted", "request.amount", "1.23456", "request.amount"),
    ("ComplaintSubmitted", "request.currency", "cny", "request.currency"),
    ("ComplaintSubmitted", "request.types", ["bribe"], "request.types.0"),
    ("ComplaintSubmitted", "attachments.0.content_type", "jpeg", "attachments.0.content_type"),
    ("ComplaintSubmitted", "attachments.0.size_bytes", -1, "attachments.0.size_bytes"),
    ("ComplaintSubmitted", "attachments.0.filename", DELETE, "attachments.0.filename"),
    ("ComplaintSubmitted", "attachments.0.url", "not a url", "attachments.0.url"),
    ("ComplaintSubmitted", "tags", [""], "tags.0"),
    ("ComplaintSubmitted", "tags", ["t"] * 51, "tags"),
    ("ComplaintSubmitted", "related_complaint_number", "TS-2024-1", "related_complaint_number"),
    ("ComplaintReceived", "complaint_number", "TS-20240506-1", "complaint_number"),
    ("ComplaintReceived", "complaint_number", "TS-２０２４０５０６-000001", "complaint_number"),
    ("ComplaintReceived", "complaint_id", DELETE, "complaint_id"),
    ("ComplaintReceived", "submission.description", "", "submission.description"),
    ("SubmissionRejected", "reason_codes", [], "reason_codes"),
    ("SubmissionRejected", "reason_codes", ["Not A Code"], "reason_codes.0"),
    ("SubmissionRejected", "rejected_by", "Intake", "rejected_by"),
    ("SubmissionRejected", "partition", -1, "partition"),
    ("SubmissionRejected", "original_value", "!!not base64!!", "original_value"),
    ("SubmissionRejected", "original_value", DELETE, "original_value"),
    ("ComplaintClassified", "severity_rank", -1, "severity_rank"),
    ("ComplaintClassified", "severity", "", "severity"),
    ("ComplaintClassified", "policy_id", "pharma quality", "policy_id"),
    ("ComplaintClassified", "repeat_count", -1, "repeat_count"),
    ("ComplaintClassified", "group_size", 0, "group_size"),
    ("ComplaintClassified", "acceptance", {"decision": "refuse"}, "acceptance.ground"),
    ("ComplaintClassified", "acceptance", {"decision": "transfer"}, "acceptance.transfer_to"),
    ("ComplaintClassified", "acceptance.decision", "ignore", "acceptance.decision"),
    ("ComplaintClassified", "matched_rules.0.confidence", 1.01, "matched_rules.0.confidence"),
    ("ComplaintClassified", "matched_rules.0.evidence.0.end", 0, "matched_rules.0.evidence.0.end"),
    ("ComplaintAcknowledged", "note", "n" * 2_001, "note"),
    ("ComplaintAssigned", "department", DELETE, "department"),
    ("ComplainantContacted", "method", "telepathy", "method"),
    ("ReplySent", "content", "", "content"),
    ("ReplyAccepted", "satisfaction", 6, "satisfaction"),
    ("ReplyAccepted", "satisfaction", 0, "satisfaction"),
    ("ReplyRejected", "reason", DELETE, "reason"),
    ("ComplaintResolved", "responsibility", "fate", "responsibility"),
    ("ComplaintResolved", "actions", [""], "actions.0"),
    ("CapaVerified", "round", 0, "round"),
    ("CapaVerified", "verified_at", NAIVE, "verified_at"),
    ("ComplaintClosed", "outcome", " ", "outcome"),
    ("ComplaintReopened", "reason", "", "reason"),
    ("ComplaintTransferred", "to_body", DELETE, "to_body"),
    ("ComplaintWithdrawn", "reason", "r" * 2_001, "reason"),
    ("ComplaintReclassified", "severity", DELETE, "severity"),
    ("ComplaintReclassified", "severity_rank", -1, "severity_rank"),
    ("ClockPaused", "reason", DELETE, "reason"),
    ("ClockResumed", "step", "", "step"),
    ("LegalHoldSet", "reason", "", "reason"),
    ("LegalHoldReleased", "reason", DELETE, "reason"),
    ("DeadlineScheduled", "due_at", "2024-05-01T00:00:00Z", "due_at"),
    ("DeadlineScheduled", "unit", "fortnights", "unit"),
    ("DeadlineScheduled", "limit", -1, "limit"),
    ("DeadlineScheduled", "started_at", NAIVE, "started_at"),
    ("DeadlineMet", "stopped_by", "reply sent", "stopped_by"),
    ("DeadlineBreached", "breached_at", NAIVE, "breached_at"),
    ("DeadlineRescheduled", "reason", "", "reason"),
    ("DeadlineCancelled", "deadline_id", DELETE, "deadline_id"),
    ("NoticeSent", "notice_kind", "spam", "notice_kind"),
    ("NoticeSent", "channel", "fax", "channel"),
    ("NoticeSent", "attempt", 0, "attempt"),
    ("NoticeSent", "level", -1, "level"),
    ("NoticeFailed", "error", "", "error"),
    ("NoticeFailed", "final", DELETE, "final"),
    ("RetentionPurged", "events_removed", -1, "events_removed"),
    ("RetentionPurged", "complaint_number", "20240506-000001", "complaint_number"),
    ("AttachmentStored", "sha256", "9F86D081" * 8, "sha256"),
    ("AttachmentStored", "size_bytes", DELETE, "size_bytes"),
]


@pytest.mark.parametrize(("event_type", "path", "value", "field"), INVALID)
def test_invalid_value_is_rejected_naming_the_field(
    event_type: str, path: str, value: Any, field: str
) -> None:
    assert rejected_fields(event_type, path, value) == [field]


def test_every_event_type_has_an_invalid_case() -> None:
    assert {case[0] for case in INVALID} == set(EVENT_TYPES)


@pytest.mark.parametrize("event_class", LIFECYCLE_EVENTS, ids=lambda cls: cls.event_type)
def test_lifecycle_events_need_an_actor(event_class: type[LifecycleEvent]) -> None:
    assert rejected_fields(event_class.event_type, "actor", DELETE) == ["actor"]
    assert rejected_fields(event_class.event_type, "actor", " ") == ["actor"]


VALID = [
    ("ComplaintSubmitted", "description", "投" * LONG_TEXT_MAX),
    ("ComplaintSubmitted", "description", " x "),
    ("ComplaintSubmitted", "complainant", {"anonymous": True}),
    ("ComplaintSubmitted", "complainant", {"phone": "110"}),
    ("ComplaintSubmitted", "request.amount", 0),
    ("ComplaintSubmitted", "request.amount", "99999999.9999"),
    ("ComplaintSubmitted", "request.currency", "USD"),
    ("ComplaintSubmitted", "language", "zh-Hans-CN"),
    ("ComplaintSubmitted", "language", "mixed"),
    ("ComplaintSubmitted", "external_reference", "a/b:c.d-e_f" + "x" * 117),
    ("ComplaintSubmitted", "received_at", "2024-05-06T09:30:00+08:00"),
    ("ComplaintSubmitted", "respondent", None),
    ("ComplaintSubmitted", "attachments.0.url", "s3://bucket/2024/外盒.jpg"),
    ("ReplyAccepted", "satisfaction", 1),
    ("ReplyAccepted", "satisfaction", None),
    ("ComplaintClassified", "matched_rules.0.confidence", 0),
    ("ComplaintClassified", "acceptance", {"decision": "refuse", "ground": "outside duties"}),
    ("DeadlineScheduled", "limit", 0.5),
    ("DeadlineRescheduled", "due_at", None),
]


@pytest.mark.parametrize(("event_type", "path", "value"), VALID)
def test_boundary_values_are_accepted(event_type: str, path: str, value: Any) -> None:
    data = changed(example_json(event_type), path, value)

    EVENT_TYPES[event_type].model_validate(data)


def test_aware_datetimes_are_normalised_to_utc() -> None:
    data = changed(example_json("ComplaintSubmitted"), "received_at", "2024-05-06T09:30:00+08:00")

    submission = ComplaintSubmitted.model_validate(data)

    assert submission.received_at == datetime(2024, 5, 6, 1, 30, tzinfo=UTC)
    assert submission.received_at is not None and submission.received_at.tzinfo is UTC


def test_text_is_kept_exactly_as_given() -> None:
    data = changed(example_json("ComplaintSubmitted"), "description", "  药品破损\n")

    assert ComplaintSubmitted.model_validate(data).description == "  药品破损\n"
