"""Clocks of the e2e-short policy (one minute, reminder at 30 s, escalation at 60 s and 75 s)
in the real system: lifecycle commands stop them for good; a clock left running breaches and
escalates along its ladder.

Both complaints are submitted together by one module fixture, so the two tests wait through
the same minute (the module takes about 80 s, not 160 s) and the breaching complaint shows
that the scheduler was sending while the stopped one stayed silent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.support_e2e import E2ESystem, Person, dashed, recipients

pytestmark = pytest.mark.e2e

GRACE = timedelta(seconds=8)
"""How long after a due we still allow a notice to arrive (timer lag is about 1 s)."""


@dataclass(frozen=True)
class Clocked:
    complaint_id: str
    number: str


@dataclass(frozen=True)
class Pair:
    stopped: Clocked
    breaching: Clocked


def sent(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every NoticeSent of the document, with its time."""
    return [
        {**entry["data"], "at": entry["at"]}
        for entry in document["timeline"]
        if entry["event_type"] == "NoticeSent"
    ]


def of_type(document: dict[str, Any], event_type: str) -> list[dict[str, Any]]:
    return [entry["data"] for entry in document["timeline"] if entry["event_type"] == event_type]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
async def pair(e2e_system: E2ESystem) -> Pair:
    """Two major complaints (clocks `reply` and `acknowledge`) submitted together; the first
    is acknowledged, replied to and closed at once, the second is left alone."""
    e2e = e2e_system
    stop_person = Person("司马光远", "13912340003", "sima.guangyuan@example.net")
    stop_body = e2e.complaint("e2e-short", "The kettle arrived broken.", stop_person)
    breach_person = Person("诸葛月琴", dashed("13912340004"), "zhuge.yueqin@example.net")
    breach_body = e2e.complaint("e2e-short", "收到的热水壶外壳破损。", breach_person)
    stopped, breaching = await asyncio.gather(e2e.submit(stop_body), e2e.submit(breach_body))
    complaint_id = stopped["complaint_id"]
    await e2e.deadlines(
        complaint_id, lambda d: len(d["clocks"]) == 2, what="both clocks of the stopped one"
    )
    await e2e.command(complaint_id, "acknowledge", {"actor": "desk-officer"})
    await e2e.command(
        complaint_id, "reply", {"actor": "desk-officer", "content": "A new kettle is on its way."}
    )
    await e2e.command(complaint_id, "close", {"actor": "desk-officer", "outcome": "replaced"})
    return Pair(
        Clocked(complaint_id, stopped["complaint_number"]),
        Clocked(breaching["complaint_id"], breaching["complaint_number"]),
    )


async def test_lifecycle_commands_stop_the_clocks_and_silence_their_notices(
    e2e_system: E2ESystem, pair: Pair
) -> None:
    e2e, stopped = e2e_system, pair.stopped

    deadlines = await e2e.deadlines(
        stopped.complaint_id,
        lambda d: {c["status"] for c in d["clocks"]} == {"met"},
        what="both clocks met",
    )
    assert {(c["step"], c["ended_by"]) for c in deadlines["clocks"]} == {
        ("acknowledge", "ComplaintAcknowledged"),
        ("reply", "ReplySent"),
    }
    document = await e2e.document(
        stopped.complaint_id,
        lambda d: len(of_type(d, "DeadlineMet")) == 2 and d["status"] == "closed",
        what="two DeadlineMet archived and the complaint closed",
    )
    assert sorted(met["step"] for met in of_type(document, "DeadlineMet")) == [
        "acknowledge",
        "reply",
    ]
    assert {(d["step"], d["outcome"], d["on_time"]) for d in document["deadlines"]} == {
        ("acknowledge", "met", True),
        ("reply", "met", True),
    }

    # wait past the reminder (30 s), the dues (60 s) and the last escalation (75 s)
    latest_due = max(when(c["due_at"]) for c in deadlines["clocks"])
    last_escalation = latest_due + timedelta(seconds=15) + GRACE
    await asyncio.sleep(max(0.0, (last_escalation - datetime.now(UTC)).total_seconds()))

    # the scheduler was sending meanwhile: the complaint submitted with it breached
    control = await e2e.document(
        pair.breaching.complaint_id,
        lambda d: any(n["notice_kind"] == "breach" for n in sent(d)),
        what="the control complaint's breach notice",
    )
    assert control["timeline"]
    document = await e2e.document(stopped.complaint_id, lambda d: True, what="stopped one")
    assert sent(document) == []
    assert of_type(document, "DeadlineBreached") == []
    assert e2e.mail_about(stopped.number) == []
    assert e2e.hooks_about(stopped.complaint_id) == []
    deadlines_topic = await e2e.events_of("complaints.deadlines.v1", stopped.complaint_id)
    assert sorted(e.event_type for e in deadlines_topic) == [
        "DeadlineMet",
        "DeadlineMet",
        "DeadlineScheduled",
        "DeadlineScheduled",
    ]
    after = await e2e.deadlines(stopped.complaint_id, lambda d: True, what="stopped one")
    assert [n for n in after["notices"] if n["status"] == "sent"] == []


async def test_a_clock_left_running_breaches_and_escalates_along_its_ladder(
    e2e_system: E2ESystem, pair: Pair
) -> None:
    e2e, breaching = e2e_system, pair.breaching
    ladder_done = {("department_head", 1), ("quality_director", 2)}

    document = await e2e.document(
        breaching.complaint_id,
        lambda d: (
            len(of_type(d, "DeadlineBreached")) == 2
            and {
                (n["recipient_role"], n["level"])
                for n in sent(d)
                if n["notice_kind"] == "escalation"
            }
            == ladder_done
        ),
        seconds=120,
        what="two DeadlineBreached and both escalation levels archived",
    )

    assert sorted(b["step"] for b in of_type(document, "DeadlineBreached")) == [
        "acknowledge",
        "reply",
    ]
    published = await e2e.events_of("complaints.deadlines.v1", breaching.complaint_id)
    breaches = [e for e in published if e.event_type == "DeadlineBreached"]
    assert sorted(e.payload.step for e in breaches) == ["acknowledge", "reply"]  # once each

    due = {d["step"]: when(d["due_at"]) for d in document["deadlines"]}
    started = {d["step"]: when(d["started_at"]) for d in document["deadlines"]}
    notices = sent(document)
    assert {
        (n["notice_kind"], n["step"], n["channel"], n["recipient_role"], n["recipient_ref"])
        for n in notices
    } == {
        ("reminder", "reply", "email", "complaint_desk", "desk"),
        ("reminder", "reply", "webhook", "complaint_desk", "desk"),
        ("reminder", "reply", "email", "department_head", "qa-head"),
        ("breach", "reply", "email", "complaint_desk", "desk"),
        ("breach", "reply", "webhook", "complaint_desk", "desk"),
        ("breach", "reply", "email", "department_head", "qa-head"),
        ("breach", "acknowledge", "email", "complaint_desk", "desk"),
        ("breach", "acknowledge", "webhook", "complaint_desk", "desk"),
        ("breach", "acknowledge", "email", "department_head", "qa-head"),
        ("escalation", "reply", "email", "department_head", "qa-head"),
        ("escalation", "reply", "email", "quality_director", "quality-director"),
    }
    for notice in notices:  # none before its time
        step, kind = notice["step"], notice["notice_kind"]
        earliest = {
            "reminder": started[step] + timedelta(seconds=30),
            "breach": due[step],
            "escalation": due[step] + timedelta(seconds=15 * (notice["level"] - 1)),
        }[kind]
        assert when(notice["at"]) >= earliest, notice

    assert recipients(e2e.mail_about(breaching.number, "reminder")) == {
        "complaints@example.org",
        "quality-head@example.org",
    }
    assert recipients(e2e.mail_about(breaching.number, "breach")) == {
        "complaints@example.org",
        "quality-head@example.org",
    }
    assert recipients(e2e.mail_about(breaching.number, "escalation")) == {
        "quality-head@example.org",
        "quality-director@example.org",
    }
    hooks = e2e.hooks_about(breaching.complaint_id)
    assert sorted((h.json()["kind"], h.json()["step"]) for h in hooks) == [
        ("breach", "acknowledge"),
        ("breach", "reply"),
        ("reminder", "reply"),
    ]
    assert all(h.path == "/desk" and h.signature_valid for h in hooks)
