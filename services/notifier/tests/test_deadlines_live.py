"""The notifier in-process on the real Kafka and MongoDB-protocol server, with a real SMTP
server and webhook receiver on loopback; a settable clock travels through a complaint's
deadlines."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from complaint_events import (
    DEADLINES,
    NOTICES,
    ClockPaused,
    ClockResumed,
    ComplaintWithdrawn,
    ReplySent,
)
from complaint_notifier.domain import SettableClock
from complaint_notifier.settings import NotifierSettings

from .live import (
    READER,
    HookSink,
    SmtpSink,
    classified,
    complaint_id,
    event,
    produce,
    read_events,
    received,
    running,
    until,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def of(complaint: str, kind: str | None = None) -> Callable[[Any], bool]:
    return lambda e: e.complaint_id == complaint and (kind is None or e.event_type == kind)


async def test_reminder_breach_and_escalation_go_out_when_the_clock_reaches_them(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    clock = SettableClock(T0)
    cid = complaint_id()
    async with running(live_settings(), clock):
        await produce(
            kafka_bootstrap,
            own_prefix,
            [received(cid, T0, confidential=True), classified(cid, T0 + timedelta(minutes=1))],
        )
        scheduled = await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineScheduled"), count=1
        )
        assert scheduled[0].payload.step == "reply"
        assert scheduled[0].payload.due_at == T0 + timedelta(hours=2)
        assert smtp.received() == []

        clock.set(T0 + timedelta(minutes=59))  # just before the reminder (50 % of 2 h)
        await _quiet(smtp)
        clock.set(T0 + timedelta(hours=1))
        reminders = await until(lambda: len(smtp.received()) >= 2 and smtp.received())
        assert sorted(str(m["To"]) for m in reminders) == [
            "Complaint desk <desk@test.example>",
            "部门负责人 <head@test.example>",
        ]
        assert {m["X-Complaints-Notice-Kind"] for m in reminders} == {"reminder"}
        await until(lambda: len(hooks.received("/hooks/desk")) == 1)

        clock.set(T0 + timedelta(hours=2))  # the due: breach notices and DeadlineBreached
        await until(lambda: len(smtp.received()) >= 4)
        breached = await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineBreached"), count=1
        )
        assert breached[0].payload.due_at == T0 + timedelta(hours=2)
        assert breached[0].payload.severity == "B"

        clock.set(T0 + timedelta(hours=3))  # the escalation ladder's first rung: the manager
        await until(lambda: len(smtp.received()) >= 5)
        manager = [m for m in smtp.received() if "manager@" in str(m["To"])]
        assert len(manager) == 1 and manager[0]["X-Complaints-Notice-Kind"] == "escalation"

        sent = await read_events(
            kafka_bootstrap, NOTICES, own_prefix, of(cid, "NoticeSent"), count=8, settle=1
        )
        # reminder and breach: desk e-mail + webhook, head e-mail; escalation: manager twice
        assert len(sent) == 8
        assert {e.payload.redacted for e in sent if e.payload.recipient_ref == "head"} == {True}
        await _quiet(smtp, expected=5)


async def test_a_reply_in_time_meets_the_deadline_and_nothing_more_is_sent(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    clock = SettableClock(T0)
    cid = complaint_id()
    async with running(live_settings(), clock):
        await produce(kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0)])
        await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineScheduled"), count=1
        )
        reply = ReplySent(actor="desk", content="已答复")
        await produce(kafka_bootstrap, own_prefix, [event(cid, reply, T0 + timedelta(minutes=90))])
        met = await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineMet"), count=1
        )
        assert met[0].payload.met_at == T0 + timedelta(minutes=90)
        assert met[0].payload.stopped_by == "ReplySent"
        clock.set(T0 + timedelta(hours=5))  # past reminder, breach and escalation
        await _quiet(smtp)
        found = await read_events(kafka_bootstrap, DEADLINES, own_prefix, of(cid), settle=1)
        assert [e.event_type for e in found] == ["DeadlineScheduled", "DeadlineMet"]


async def test_pause_resume_and_withdrawal_move_and_cancel_the_deadline(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    clock = SettableClock(T0)
    cid = complaint_id()
    async with running(live_settings(), clock):
        await produce(
            kafka_bootstrap,
            own_prefix,
            [
                received(cid, T0),
                classified(cid, T0),
                event(cid, ClockPaused(actor="qa", reason="样品检测"), T0 + timedelta(minutes=30)),
                event(cid, ClockResumed(actor="qa"), T0 + timedelta(hours=3, minutes=30)),
            ],
        )
        moved = await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineRescheduled"), count=2
        )
        assert [e.payload.due_at for e in moved] == [None, T0 + timedelta(hours=5)]
        clock.set(T0 + timedelta(hours=2, minutes=30))  # the old due: nothing, it was moved
        await _quiet(smtp)
        clock.set(T0 + timedelta(hours=4))  # the reminder after the resume (1.5 h of 2 h left)
        await until(lambda: len(smtp.received()) == 2)
        withdrawn = ComplaintWithdrawn(actor="desk", reason="投诉人撤回")
        await produce(kafka_bootstrap, own_prefix, [event(cid, withdrawn, T0 + timedelta(hours=4))])
        cancelled = await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineCancelled"), count=1
        )
        assert cancelled[0].payload.reason == "cancelled by ComplaintWithdrawn"
        clock.set(T0 + timedelta(hours=8))
        await _quiet(smtp, expected=2)


async def test_class_a_reports_at_once_and_a_reclassification_replans(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    hooks: HookSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    clock = SettableClock(T0 + timedelta(minutes=5))
    cid = complaint_id()
    async with running(live_settings(), clock):
        await produce(
            kafka_bootstrap, own_prefix, [received(cid, T0), classified(cid, T0, severity="A")]
        )
        # the immediate report to the manager, by e-mail and webhook, at once
        report = await until(lambda: smtp.received() and smtp.received())
        assert report[0]["X-Complaints-Notice-Kind"] == "immediate"
        await until(lambda: len(hooks.received("/hooks/manager")) == 1)
        steps = await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineScheduled"), count=2
        )
        assert {e.payload.step for e in steps} == {"reply", "acknowledge"}
        # a manual downgrade: the class A acknowledgement no longer applies
        from complaint_events import ComplaintReclassified

        down = ComplaintReclassified(actor="lead", severity="B", reason="误判")
        await produce(kafka_bootstrap, own_prefix, [event(cid, down, T0 + timedelta(minutes=10))])
        cancelled = await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineCancelled"), count=1
        )
        assert cancelled[0].payload.step == "acknowledge"
        clock.set(T0 + timedelta(minutes=40))  # the acknowledgement's breach would be now
        await _quiet(smtp, expected=1)


async def test_progress_notices_recur_while_the_clock_runs(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    clock = SettableClock(T0)
    cid = complaint_id()
    async with running(live_settings(), clock):
        await produce(
            kafka_bootstrap,
            own_prefix,
            [received(cid, T0), classified(cid, T0, flags=["incident"])],
        )
        await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineScheduled"), count=1
        )
        for number in (1, 2, 3):
            clock.set(T0 + timedelta(minutes=30 * number))
            await until(lambda n=number: len(_progress(smtp)) == n)
        from complaint_events import ComplaintClosed

        closed = ComplaintClosed(actor="desk", outcome="已处理")
        await produce(kafka_bootstrap, own_prefix, [event(cid, closed, T0 + timedelta(minutes=95))])
        await read_events(kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineMet"), count=1)
        clock.set(T0 + timedelta(hours=3))
        await _quiet(smtp, expected=len(smtp.received()))
        assert len(_progress(smtp)) == 3


async def test_the_rest_api_shows_clocks_and_notices(
    live_settings: Callable[..., NotifierSettings],
    smtp: SmtpSink,
    kafka_bootstrap: str,
    own_prefix: str,
) -> None:
    clock = SettableClock(T0)
    cid = complaint_id()
    settings = live_settings()
    serial = uuid.uuid4().int % 1_000_000
    number = f"TS-{T0:%Y%m%d}-{serial:06d}"
    async with running(settings, clock) as app:
        first = received(cid, T0, number=serial)
        await produce(kafka_bootstrap, own_prefix, [first, classified(cid, T0)])
        await read_events(
            kafka_bootstrap, DEADLINES, own_prefix, of(cid, "DeadlineScheduled"), count=1
        )
        clock.set(T0 + timedelta(hours=1))
        await until(lambda: len(smtp.received()) == 2)
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
            url = f"/v1/complaints/{cid}/deadlines"
            assert (await client.get(url)).status_code == 401
            answer = await until(lambda: _when_sent(client, url))
            assert (
                await client.get("/v1/complaints/nope/deadlines", headers=_key())
            ).status_code == 404
            by_number = await client.get(f"/v1/complaints/{number}/deadlines", headers=_key())
            unknown_number = await client.get(
                "/v1/complaints/TS-19990101-000001/deadlines", headers=_key()
            )
    assert by_number.status_code == 200 and by_number.json()["complaint_id"] == cid
    assert unknown_number.status_code == 404
    (reply,) = answer["clocks"]
    assert reply["step"] == "reply" and reply["status"] == "running"
    kinds = {n["kind"]: n["status"] for n in answer["notices"]}
    assert kinds == {"reminder": "sent", "breach": "pending", "escalation": "pending"}


async def _when_sent(client: httpx.AsyncClient, url: str) -> dict[str, Any] | None:
    response = await client.get(url, headers=_key())
    body: dict[str, Any] = response.json()
    statuses = {n["status"] for n in body["notices"]}
    return body if "sent" in statuses else None


def _key() -> dict[str, str]:
    return {"X-API-Key": READER}


def _progress(smtp: SmtpSink) -> list[Any]:
    return [m for m in smtp.received() if m["X-Complaints-Notice-Kind"] == "progress"]


async def _quiet(smtp: SmtpSink, *, expected: int = 0, wait: float = 1.5) -> None:
    """Nothing (more) is sent for a while: the scheduler ran several rounds meanwhile."""
    import asyncio

    await asyncio.sleep(wait)
    assert len(smtp.received()) == expected, [m["Subject"] for m in smtp.received()]
