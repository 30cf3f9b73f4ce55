"""A complaint in, over HTTP and over Kafka, through all four services: archived with its
classification, its deadlines and the notices the policy asks for, delivered by e-mail and
signed webhook."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.support_e2e import E2ESystem, Person, recipients, spaced, timeline_types

pytestmark = pytest.mark.e2e

CRITICAL_ZH = "新买的热水壶漏水，倒水时我的手被烫伤了，要求赔偿。"
WOUND_INFECTION_EN = (
    "After the knee operation my mother developed a wound infection and needed a second "
    "surgery; nobody explained the complication to us."
)


def notices_sent(document: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """(channel, recipient role, recipient, kind) of every NoticeSent in the timeline but the
    reminders (due 30 s after receipt: a slow run may see them already)."""
    return {
        (d["channel"], d["recipient_role"], d["recipient_ref"], d["notice_kind"])
        for entry in document["timeline"]
        if entry["event_type"] == "NoticeSent" and entry["data"]["notice_kind"] != "reminder"
        for d in [entry["data"]]
    }


def scheduled_steps(document: dict[str, Any]) -> list[str]:
    return sorted(
        entry["data"]["step"]
        for entry in document["timeline"]
        if entry["event_type"] == "DeadlineScheduled"
    )


def planned(deadlines: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(n["kind"], n["step"], n["level"]) for n in deadlines["notices"]}


async def test_chinese_complaint_over_http_is_classified_scheduled_and_notified(
    e2e_system: E2ESystem,
) -> None:
    e2e = e2e_system
    person = Person("欧阳明华", spaced("13912340001"), "ouyang.minghua@example.net")
    body = e2e.complaint("e2e-short", CRITICAL_ZH, person, title="热水壶漏水烫伤")
    answer = await e2e.submit(body)
    complaint_id, number = answer["complaint_id"], answer["complaint_number"]
    immediate_report = {
        ("email", "general_manager", "gm", "immediate"),
        ("email", "department_head", "qa-head", "immediate"),
        ("email", "complaint_desk", "desk", "immediate"),
        ("webhook", "complaint_desk", "desk", "immediate"),
    }

    document = await e2e.document(
        complaint_id,
        lambda d: len(scheduled_steps(d)) == 2 and notices_sent(d) >= immediate_report,
        what="classification, two deadlines and the immediate report archived",
    )

    assert document["number"] == number
    assert document["record"]["complainant"]["phone"] == "+8613912340001"  # admin key sees it
    assert (document["policy_id"], document["severity"]) == ("e2e-short", "critical")
    assert (document["category"], document["department"]) == ("product", "quality")
    assert document["flags"] == ["injury"]
    assert {r["rule_id"] for r in document["classification"]["matched_rules"]} == {
        "injury",
        "defect",
    }
    assert scheduled_steps(document) == ["acknowledge", "reply"]
    assert notices_sent(document) == immediate_report
    assert timeline_types(document)[0] == "ComplaintReceived"
    assert {d["step"]: d["outcome"] for d in document["deadlines"]} == {
        "reply": "open",
        "acknowledge": "open",
    }

    deadlines = await e2e.deadlines(
        complaint_id, lambda d: len(d["clocks"]) == 2, what="the notifier's two clocks"
    )
    assert {(c["step"], c["status"], c["limit"]) for c in deadlines["clocks"]} == {
        ("reply", "running", "1 minutes"),
        ("acknowledge", "running", "1 minutes"),
    }
    assert planned(deadlines) == {
        ("immediate", "critical_report", 0),
        ("reminder", "reply", 0),
        ("breach", "reply", 0),
        ("escalation", "reply", 1),
        ("escalation", "reply", 2),
        ("breach", "acknowledge", 0),
    }

    mail = e2e.mail_about(number, "immediate")
    assert len(mail) == 3
    assert recipients(mail) == {
        "general-manager@example.org",
        "quality-head@example.org",
        "complaints@example.org",
    }
    hooks = e2e.hooks_about(complaint_id, "immediate")
    assert [(h.path, h.signature_valid) for h in hooks] == [("/desk", True)]
    assert (hooks[0].json()["kind"], hooks[0].json()["step"]) == ("immediate", "critical_report")

    await e2e.command(complaint_id, "close", {"actor": "e2e", "outcome": "test over"})


async def test_english_complaint_over_kafka_is_classified_scheduled_and_notified(
    e2e_system: E2ESystem,
) -> None:
    e2e = e2e_system
    person = Person("Margaret Whitfield", "+86 139 1234 0002", "m.whitfield@example.net")
    body = e2e.complaint("e2e-hospital", WOUND_INFECTION_EN, person, channel="phone")
    submitted = await e2e.publish_submission(body)
    received = await e2e.received_for(submitted)
    complaint_id = received.complaint_id
    assert received.payload.language == "en"
    immediate_report = {
        ("email", "medical_affairs", "medical-affairs", "immediate"),
        ("email", "nursing_department", "nursing-head", "immediate"),
    }

    document = await e2e.document(
        complaint_id,
        lambda d: bool(scheduled_steps(d)) and notices_sent(d) >= immediate_report,
        what="classification, deadline and the immediate report archived",
    )

    assert document["record"]["external_reference"] == body["external_reference"]
    assert (document["policy_id"], document["severity"]) == ("hospital", "serious")
    assert (document["category"], document["department"]) == (
        "medical_treatment",
        "medical_affairs",
    )
    assert document["flags"] == ["injury", "medical_dispute", "safety"]
    # a medical dispute is answered within 7 working days (000·D14), not the 7 days of `reply`
    assert scheduled_steps(document) == ["medical_dispute_reply"]
    (deadline,) = document["deadlines"]
    assert (deadline["limit"], deadline["unit"], deadline["calendar_id"]) == (
        7,
        "working_days",
        "cn-mainland",
    )
    assert notices_sent(document) == immediate_report

    deadlines = await e2e.deadlines(
        complaint_id, lambda d: bool(d["clocks"]), what="the notifier's clock"
    )
    assert [(c["step"], c["status"]) for c in deadlines["clocks"]] == [
        ("medical_dispute_reply", "running")
    ]
    assert planned(deadlines) == {
        ("immediate", "serious_incident_report", 0),
        ("reminder", "medical_dispute_reply", 0),
        ("breach", "medical_dispute_reply", 0),
        ("escalation", "medical_dispute_reply", 1),
        ("escalation", "medical_dispute_reply", 2),
        ("escalation", "medical_dispute_reply", 3),
    }
    assert recipients(e2e.mail_about(document["number"], "immediate")) == {
        "medical-affairs@example.org",
        "nursing@example.org",
    }
    assert e2e.hooks_about(complaint_id) == []  # neither person has a webhook

    status = await e2e.get("intake", f"/v1/complaints/{document['number']}")
    assert status.status_code == 200
    assert status.json()["complaint_id"] == complaint_id
