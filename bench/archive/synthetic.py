"""Synthetic complaints for the benchmark: realistic event sequences, deterministic by seed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from complaint_events import (
    Acceptance,
    Complainant,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClassified,
    ComplaintClosed,
    ComplaintReceived,
    ComplaintResolved,
    ComplaintSubmitted,
    DeadlineBreached,
    DeadlineMet,
    DeadlineScheduled,
    Envelope,
    EventPayload,
    Evidence,
    MatchedRule,
    Product,
    ReplyAccepted,
    ReplyRejected,
    ReplySent,
    new_event,
)

BASE = datetime(2023, 1, 1, tzinfo=UTC)
POLICIES = {
    "pharma-quality": ["A", "B", "C"],
    "hospital": ["minor", "general", "serious"],
    "manufacturing-quality": ["A", "B", "C", "D"],
    "retail-service": ["class_1", "class_2", "class_3"],
}
CATEGORIES = ["product_quality", "packaging", "service", "staff_conduct", "delivery", "other"]
DEPARTMENTS = ["quality_assurance", "sales", "logistics", "medical_affairs", "nursing", "finance"]
CAUSES = [
    "运输包装破损",
    "标签印刷错误",
    "批次混料",
    "服务态度",
    "交付延迟",
    "说明书不清",
    "设备故障",
    "原料供应商",
    "储存条件不当",
    "用户误用",
]
CAUSE_WEIGHTS = [30, 18, 12, 10, 8, 7, 6, 4, 3, 2]  # a Pareto-like spread
PRODUCTS = [f"产品-{n:03d}" for n in range(200)]
TEXTS = [
    "外盒破损，胶囊散落，要求退货。",
    "The label shows the wrong dosage; the patient took twice the amount.",
    "送货晚了三天，客服电话一直占线。",
    "Staff at the counter were rude and refused to explain the fee.",
    "设备运行时异响并冒烟，已停用。",
]


def complaint_events(index: int, rng: random.Random) -> list[Envelope[Any]]:
    """One complaint's life: received, classified, assigned, acknowledged; most are replied,
    resolved and closed; some stay open and run over their deadline."""
    complaint_id = f"bench-{index:07d}"
    received = BASE + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
    policy = rng.choice(list(POLICIES))
    events: list[tuple[datetime, EventPayload, str]] = []

    def at(moment: datetime, payload: EventPayload, producer: str = "intake") -> None:
        events.append((moment, payload, producer))

    at(received, _received(complaint_id, index, received, rng))
    at(received + timedelta(minutes=1), _classified(policy, rng), "classifier")
    due = received + timedelta(days=3)
    step = {"deadline_id": f"{complaint_id}:reply", "step": "reply"}
    at(
        received + timedelta(minutes=1),
        DeadlineScheduled(
            **step,
            policy_id=policy,
            clock="ComplaintReceived",
            started_at=received,
            due_at=due,
            limit=3,
            unit="days",
        ),
        "notifier",
    )
    department = rng.choice(DEPARTMENTS)
    at(received + timedelta(minutes=10), ComplaintAssigned(actor="desk", department=department))
    at(received + timedelta(hours=1), ComplaintAcknowledged(actor="handler"))
    if rng.random() < 0.8:
        replied = received + timedelta(hours=rng.uniform(2, 120))
        at(replied, ReplySent(actor="handler", content="已调查处理，答复如下：……"))
        if replied > due:
            at(due, DeadlineBreached(**step, due_at=due, breached_at=due), "notifier")
        met = DeadlineMet(**step, due_at=due, met_at=replied, stopped_by="ReplySent")
        at(replied, met, "notifier")
        verdict: EventPayload = (
            ReplyAccepted(actor="handler", satisfaction=rng.randint(3, 5))
            if rng.random() < 0.85
            else ReplyRejected(actor="handler", reason="不满意")
        )
        at(replied + timedelta(days=1), verdict)
        cause = rng.choices(CAUSES, CAUSE_WEIGHTS)[0]
        resolved = ComplaintResolved(
            actor="handler",
            responsibility="ours",
            disposition="处理完毕",
            cause=cause,
            actions=["退换货", "纠正措施"],
        )
        at(replied + timedelta(days=2), resolved)
        if rng.random() < 0.9:
            at(replied + timedelta(days=3), ComplaintClosed(actor="lead", outcome="resolved"))
    elif received + timedelta(days=3) < BASE + timedelta(days=2 * 365):
        at(due, DeadlineBreached(**step, due_at=due, breached_at=due), "notifier")
    return [
        new_event(payload, producer=producer, complaint_id=complaint_id, occurred_at=moment)
        for moment, payload, producer in events
    ]


def _received(
    complaint_id: str, index: int, received: datetime, rng: random.Random
) -> ComplaintReceived:
    product = rng.choice(PRODUCTS)
    submission = ComplaintSubmitted(
        source_system="bench",
        external_reference=f"REF-{index}",
        channel=rng.choice(["phone", "web", "email", "hotline"]),
        received_at=received,
        title=f"{product} 投诉",
        description=rng.choice(TEXTS),
        complainant=Complainant(
            name=f"客户{index}", phone="13800000000", confidential=rng.random() < 0.2
        ),
        product=Product(
            name=product,
            batch=f"B{rng.randrange(5000):05d}",
            expiry_date=(received + timedelta(days=rng.randrange(200, 900))).date(),
        ),
    )
    number = f"TS-{received:%Y%m%d}-{index % 1_000_000:06d}"
    return ComplaintReceived(
        complaint_id=complaint_id, complaint_number=number, submission=submission
    )


def _classified(policy: str, rng: random.Random) -> ComplaintClassified:
    levels = POLICIES[policy]
    rank = rng.randrange(len(levels))
    return ComplaintClassified(
        policy_id=policy,
        policy_version="bench",
        severity=levels[rank],
        severity_rank=rank,
        category=rng.choice(CATEGORIES),
        department=rng.choice(DEPARTMENTS),
        acceptance=Acceptance(decision="accept"),
        matched_rules=[
            MatchedRule(
                rule_id="bench-rule",
                confidence=0.8,
                evidence=[Evidence(field="description", value="破损", start=0, end=2)],
            )
        ],
    )
