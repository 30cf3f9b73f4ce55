"""One valid example payload per event type: for documentation, AsyncAPI and contract tests."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from .archive import AttachmentStored, RetentionPurged
from .base import EventPayload
from .classified import Acceptance, ComplaintClassified, Evidence, MatchedRule
from .deadlines import (
    DeadlineBreached,
    DeadlineCancelled,
    DeadlineMet,
    DeadlineRescheduled,
    DeadlineScheduled,
)
from .errors import FieldError
from .lifecycle import (
    CapaVerified,
    ClockPaused,
    ClockResumed,
    ComplainantContacted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClosed,
    ComplaintReclassified,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintTransferred,
    ComplaintWithdrawn,
    LegalHoldReleased,
    LegalHoldSet,
    ReplyAccepted,
    ReplyRejected,
    ReplySent,
)
from .notices import NoticeFailed, NoticeSent
from .received import ComplaintReceived
from .rejected import SubmissionRejected
from .submitted import (
    AttachmentRef,
    Complainant,
    ComplaintRequest,
    ComplaintSubmitted,
    Occurrence,
    Product,
    Respondent,
)

AT = datetime(2024, 5, 6, 1, 30, tzinfo=UTC)
COMPLAINT_ID = "01J0000000000000000000ABCD"
DESCRIPTION = "5月6日购买的阿莫西林胶囊（批号 A240501）外盒破损，服用后出现严重过敏。"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def example_submission() -> ComplaintSubmitted:
    return ComplaintSubmitted(
        source_system="crm",
        external_reference="CASE-2024-0001",
        channel="hotline",
        received_at=AT,
        receiver="desk-07",
        title="胶囊外盒破损并引起过敏",
        description=DESCRIPTION,
        language="zh",
        complainant=Complainant(name="张三", phone="13800000000", confidential=True),
        respondent=Respondent(organisation="某某制药有限公司", department="销售部"),
        product=Product(
            name="阿莫西林胶囊",
            batch="A240501",
            specification="0.25g×24粒",
            quantity=Decimal(2),
            unit="盒",
            expiry_date=date(2026, 4, 30),
        ),
        occurrence=Occurrence(
            occurred_at=AT - timedelta(days=1), frequency="一次", location="杭州"
        ),
        request=ComplaintRequest(types=["refund", "compensation"], amount=Decimal("300.00")),
        attachments=[AttachmentRef(filename="外盒.jpg", content_type="image/jpeg", sha256=SHA)],
        tags=["hotline", "过敏"],
    )


def _received() -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=COMPLAINT_ID,
        complaint_number="TS-20240506-000001",
        submission=example_submission(),
        language="zh",
    )


def _rejected() -> SubmissionRejected:
    return SubmissionRejected(
        rejected_by="intake",
        source_topic="complaints.submitted.v1",
        partition=2,
        offset=41,
        reason_codes=["validation_failed"],
        field_errors=[
            FieldError(
                field="payload.description", message="must not be blank", type="blank_string"
            )
        ],
        original_value=b'{"payload":{"description":" "}}',
        original_key=b"crm/CASE-2024-0002",
        original_headers=[("event_type", b"ComplaintSubmitted")],
    )


def _classified() -> ComplaintClassified:
    start = DESCRIPTION.index("严重过敏")
    evidence = Evidence(field="description", value="严重过敏", start=start, end=start + 4)
    return ComplaintClassified(
        policy_id="pharma-quality",
        policy_version="sha256:0d1e",
        severity="C",
        severity_rank=2,
        category="product_quality",
        department="quality_assurance",
        flags=["safety"],
        acceptance=Acceptance(decision="accept"),
        matched_rules=[MatchedRule(rule_id="c-harm", confidence=0.9, evidence=[evidence])],
    )


def _lifecycle() -> list[EventPayload]:
    actor = "qa-lead"
    return [
        ComplaintAcknowledged(actor=actor),
        ComplaintAssigned(actor=actor, department="quality_assurance", handler="qa-02"),
        ComplainantContacted(actor="qa-02", method="phone", site_visit=False),
        ReplySent(actor="qa-02", content="经调查，外盒破损系运输所致，我司将退款并补偿。"),
        ReplyAccepted(actor="qa-02", satisfaction=4),
        ReplyRejected(actor="qa-02", reason="customer wants a replacement"),
        ComplaintResolved(
            actor="qa-02", responsibility="ours", disposition="refunded", actions=["refund"]
        ),
        CapaVerified(actor=actor, round=1, effective=True, verified_at=AT + timedelta(days=7)),
        ComplaintClosed(actor=actor, outcome="resolved"),
        ComplaintReopened(actor=actor, reason="same defect again"),
        ComplaintTransferred(actor=actor, to_body="市场监督管理局", reason="not our jurisdiction"),
        ComplaintWithdrawn(actor=actor, reason="complainant withdrew"),
        ComplaintReclassified(actor=actor, severity="B", reason="no harm confirmed"),
        ClockPaused(actor=actor, reason="sample sent for testing", step="reply"),
        ClockResumed(actor=actor, step="reply"),
        LegalHoldSet(actor="legal", reason="lawsuit filed"),
        LegalHoldReleased(actor="legal", reason="case settled"),
    ]


def _deadlines() -> list[EventPayload]:
    due = AT + timedelta(days=3)
    common = {"deadline_id": f"{COMPLAINT_ID}:reply", "step": "reply"}
    return [
        DeadlineScheduled(
            **common,
            policy_id="pharma-quality",
            clock="ComplaintReceived",
            severity="C",
            started_at=AT,
            due_at=due,
            limit=3,
            unit="working_days",
            calendar_id="cn-mainland",
        ),
        DeadlineMet(**common, due_at=due, met_at=due - timedelta(hours=5), stopped_by="ReplySent"),
        DeadlineBreached(**common, due_at=due, breached_at=due, severity="C"),
        DeadlineRescheduled(**common, due_at=due + timedelta(days=2), reason="clock resumed"),
        DeadlineCancelled(**common, reason="complaint withdrawn"),
    ]


def _notices() -> list[EventPayload]:
    common = {
        "notice_id": f"{COMPLAINT_ID}:reply:breach:1",
        "notice_kind": "breach",
        "channel": "email",
        "recipient_role": "quality_director",
        "recipient_ref": "staff-0042",
        "deadline_id": f"{COMPLAINT_ID}:reply",
        "step": "reply",
        "level": 1,
        "redacted": True,
    }
    return [
        NoticeSent(**common),
        NoticeFailed(**common, attempt=3, error="SMTP 451 temporary failure", final=False),
    ]


def _archive() -> list[EventPayload]:
    return [
        RetentionPurged(
            complaint_number="TS-20240506-000001",
            retain_until=AT + timedelta(days=5 * 365),
            purged_at=AT + timedelta(days=5 * 365 + 1),
            events_removed=12,
        ),
        AttachmentStored(
            attachment_id="att-1",
            filename="外盒.jpg",
            content_type="image/jpeg",
            size_bytes=48_213,
            sha256=SHA,
        ),
    ]


def example_payloads() -> dict[str, EventPayload]:
    """Event type name → a valid example payload, for every event type."""
    payloads: list[EventPayload] = [
        example_submission(),
        _received(),
        _rejected(),
        _classified(),
        *_lifecycle(),
        *_deadlines(),
        *_notices(),
        *_archive(),
    ]
    return {payload.event_type: payload for payload in payloads}
