"""Events of one complaint, built the way the other services publish them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from complaint_events import (
    Acceptance,
    AttachmentRef,
    CapaVerified,
    ClockPaused,
    Complainant,
    ComplainantContacted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClassified,
    ComplaintClosed,
    ComplaintReceived,
    ComplaintReclassified,
    ComplaintReopened,
    ComplaintRequest,
    ComplaintResolved,
    ComplaintSubmitted,
    DeadlineBreached,
    DeadlineMet,
    DeadlineScheduled,
    Envelope,
    EventPayload,
    Evidence,
    LegalHoldReleased,
    LegalHoldSet,
    MatchedRule,
    NoticeSent,
    Product,
    ReplyAccepted,
    ReplySent,
    Respondent,
    RetentionPurged,
    new_event,
)

START = datetime(2024, 5, 6, 1, 30, tzinfo=UTC)
DESCRIPTION = "5月6日购买的阿莫西林胶囊（批号 A240501）外盒破损，服用后出现严重过敏。"


def submission(
    *,
    confidential: bool = True,
    expiry: date | None = date(2026, 4, 30),
    product: str = "阿莫西林胶囊",
    batch: str = "A240501",
    received_at: datetime = START,
    reference: str | None = None,
) -> ComplaintSubmitted:
    return ComplaintSubmitted(
        source_system="crm",
        external_reference=reference or f"CASE-{uuid.uuid4().hex[:12]}",
        channel="hotline",
        received_at=received_at,
        receiver="desk-07",
        title="胶囊外盒破损并引起过敏",
        description=DESCRIPTION,
        language="zh",
        complainant=Complainant(
            name="张三",
            phone="13800000000",
            email="zhang@example.cn",
            address="杭州市西湖区",
            confidential=confidential,
            type="patient",
        ),
        respondent=Respondent(organisation="某某制药有限公司", department="销售部"),
        product=Product(
            name=product,
            batch=batch,
            quantity=Decimal(2),
            unit="盒",
            expiry_date=expiry,
        ),
        request=ComplaintRequest(types=["refund"], amount=Decimal("300.00")),
        attachments=[AttachmentRef(filename="外盒.jpg", content_type="image/jpeg")],
        tags=["过敏"],
    )


def classified(
    severity: str = "C",
    *,
    policy: str = "pharma-quality",
    category: str = "product_quality",
    department: str = "quality_assurance",
    decision: str = "accept",
) -> ComplaintClassified:
    start = DESCRIPTION.index("严重过敏")
    evidence = Evidence(field="description", value="严重过敏", start=start, end=start + 4)
    acceptance = (
        Acceptance(decision="transfer", transfer_to="市场监督管理局", ground="not ours")
        if decision == "transfer"
        else Acceptance(decision=decision)
    )
    return ComplaintClassified(
        policy_id=policy,
        policy_version="sha256:0d1e",
        severity=severity,
        severity_rank={"A": 0, "B": 1, "C": 2}.get(severity, 0),
        category=category,
        department=department,
        flags=["safety"],
        acceptance=acceptance,
        matched_rules=[MatchedRule(rule_id="c-harm", confidence=0.9, evidence=[evidence])],
    )


@dataclass
class Story:
    """A complaint's events, each a given number of minutes after the start."""

    complaint_id: str = field(default_factory=lambda: f"c-{uuid.uuid4().hex[:16]}")
    number: str = field(
        default_factory=lambda: f"TS-20240506-{int(uuid.uuid4().hex[:8], 16) % 10**6:06d}"
    )
    start: datetime = START
    events: list[Envelope[Any]] = field(default_factory=list)

    def at(self, minutes: float, payload: EventPayload, producer: str = "intake") -> Envelope[Any]:
        event = new_event(
            payload,
            producer=producer,
            complaint_id=self.complaint_id,
            occurred_at=self.start + timedelta(minutes=minutes),
        )
        self.events.append(event)
        return event

    def received(self, minutes: float = 0, **kwargs: Any) -> Envelope[Any]:
        payload = ComplaintReceived(
            complaint_id=self.complaint_id,
            complaint_number=self.number,
            submission=submission(**kwargs),
            language="zh",
        )
        return self.at(minutes, payload)

    def deadline(self, minutes: float, step: str, due_in_minutes: float) -> Envelope[Any]:
        started = self.start + timedelta(minutes=minutes)
        return self.at(
            minutes,
            DeadlineScheduled(
                deadline_id=f"{self.complaint_id}:{step}",
                policy_id="pharma-quality",
                step=step,
                clock="ComplaintReceived",
                started_at=started,
                due_at=started + timedelta(minutes=due_in_minutes),
                limit=due_in_minutes,
                unit="minutes",
            ),
            producer="notifier",
        )

    def met(self, minutes: float, step: str, due_minutes: float) -> Envelope[Any]:
        return self.at(
            minutes,
            DeadlineMet(
                deadline_id=f"{self.complaint_id}:{step}",
                step=step,
                due_at=self.start + timedelta(minutes=due_minutes),
                met_at=self.start + timedelta(minutes=minutes),
                stopped_by="ReplySent",
            ),
            producer="notifier",
        )

    def breached(self, minutes: float, step: str) -> Envelope[Any]:
        return self.at(
            minutes,
            DeadlineBreached(
                deadline_id=f"{self.complaint_id}:{step}",
                step=step,
                due_at=self.start + timedelta(minutes=minutes),
                breached_at=self.start + timedelta(minutes=minutes),
            ),
            producer="notifier",
        )


def full_story(start: datetime = START, **received: Any) -> Story:
    """Received, classified, handled, replied, accepted, resolved, verified and closed."""
    story = Story(start=start)
    story.received(0, **{"received_at": start, **received})
    story.at(1, classified(), producer="classifier")
    story.deadline(1, "reply", 60 * 24 * 3)
    story.at(2, ComplaintAssigned(actor="qa-lead", department="quality_assurance", handler="qa-02"))
    story.at(3, ComplaintAcknowledged(actor="qa-02"))
    story.at(
        4,
        NoticeSent(
            notice_id=f"{story.complaint_id}:immediate",
            notice_kind="immediate",
            channel="email",
            recipient_role="quality_director",
            recipient_ref="staff-0042",
            redacted=True,
        ),
        producer="notifier",
    )
    story.at(30, ComplainantContacted(actor="qa-02", method="phone"))
    story.at(600, ReplySent(actor="qa-02", content="经调查，外盒破损系运输所致，我司将退款。"))
    story.met(600, "reply", 60 * 24 * 3 + 1)
    story.at(700, ReplyAccepted(actor="qa-02", satisfaction=4))
    story.at(
        800,
        ComplaintResolved(
            actor="qa-02",
            responsibility="ours",
            disposition="refunded",
            cause="运输包装破损",
            actions=["refund", "改进外箱"],
        ),
    )
    verified = start + timedelta(days=7)
    story.at(900, CapaVerified(actor="qa-lead", round=1, effective=True, verified_at=verified))
    story.at(1000, ComplaintClosed(actor="qa-lead", outcome="resolved"))
    return story


SIDE_EVENTS: dict[str, EventPayload] = {
    "reopen": ComplaintReopened(actor="qa-lead", reason="same defect again"),
    "reclassify": ComplaintReclassified(actor="qa-lead", severity="B", reason="no harm"),
    "pause": ClockPaused(actor="qa-lead", reason="sample sent for testing", step="reply"),
    "hold": LegalHoldSet(actor="legal", reason="lawsuit filed"),
    "release": LegalHoldReleased(actor="legal", reason="settled"),
}


def purge(story: Story, minutes: float, events_removed: int = 0) -> Envelope[Any]:
    return story.at(
        minutes,
        RetentionPurged(
            complaint_number=story.number,
            retain_until=story.start + timedelta(minutes=minutes - 1),
            purged_at=story.start + timedelta(minutes=minutes),
            events_removed=events_removed,
        ),
        producer="archive",
    )
